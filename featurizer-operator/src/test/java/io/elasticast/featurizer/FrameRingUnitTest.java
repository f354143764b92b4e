package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FrameRingUnitTest {

  static final int BINS = 3;

  /** Frame f has values f, f + 0.25, f + 0.5 and energies 10f, 10f + 1. */
  static void append(FrameRing ring, long from, long to) {
    for (long f = from; f < to; f++) {
      ring.append(f, new float[] {f, f + 0.25f, f + 0.5f}, 0, 10.0 * f, 10.0 * f + 1);
    }
  }

  @Test
  void shouldReadAnyRangeAcrossBlocksAndCalls() {
    FrameStore.InMemory store = new FrameStore.InMemory();
    FrameRing ring = new FrameRing(2, BINS);
    ring.begin(store);
    append(ring, 0, 20);
    ring.end();
    ring.begin(store); // a later chunk appends to the block the first one left open
    append(ring, 20, 40);
    float[] read = ring.read(14, 5);
    ring.end();
    assertThat(read).containsExactly(14, 14.25f, 14.5f, 15, 15.25f, 15.5f, 16, 16.25f, 16.5f,
        17, 17.25f, 17.5f, 18, 18.25f, 18.5f);
    ring.begin(store);
    assertThat(ring.energyBefore(33)).isEqualTo(330.0);
    assertThat(ring.energyAfter(39)).isEqualTo(391.0);
    ring.end();
    // 40 frames: blocks 0, 1 and 2 (half full), under this scale's keys
    assertThat(store.size()).isEqualTo(3);
    assertThat(store.get(FrameStore.key(2, 1))).isNotNull();
    assertThat(store.get(FrameStore.key(0, 1))).isNull();
  }

  @Test
  void shouldDropOnlyBlocksWhoseFramesAreAllBeforeTheFirstNeeded() {
    FrameStore.InMemory store = new FrameStore.InMemory();
    FrameRing ring = new FrameRing(0, BINS);
    ring.begin(store);
    append(ring, 0, 50);
    ring.dropBefore(0, 31); // block 1 (16..31) still holds frame 31
    ring.end();
    assertThat(store.size()).as("blocks 1, 2 and 3 (48..49)").isEqualTo(3);
    ring.begin(store);
    assertThat(ring.read(31, 2)).startsWith(31f);
    assertThatThrownBy(() -> ring.read(5, 1)).isInstanceOf(IllegalStateException.class);
    ring.clear(31, 50);
    ring.end();
    assertThat(store.size()).isZero();
  }

  @Test
  void shouldClearABlockWhoseFramesWereAllPassedOver() {
    // 10 frames, none needed any more: block 0 holds them until the run ends
    FrameStore.InMemory store = new FrameStore.InMemory();
    FrameRing ring = new FrameRing(0, BINS);
    ring.begin(store);
    append(ring, 0, 10);
    ring.dropBefore(0, 10);
    ring.end();
    assertThat(store.size()).isEqualTo(1);
    ring.begin(store);
    ring.clear(10, 10);
    ring.end();
    assertThat(store.size()).isZero();
  }
}
