package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.featurizer.FeedCursor.PolicyCursor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link SlidingCutter} and {@link SegmentDetector} on positions and energies alone. */
class WindowCuttersUnitTest {

  @Test
  void shouldCutSlidingWindowsAsTheirFramesArrive() {
    WindowPolicy policy = WindowPolicy.sliding(0.32, 0.16, 10); // 32 frames every 16
    PolicyCursor at = new PolicyCursor("p", 0);
    List<String> cuts = new ArrayList<>();
    SlidingCutter.cut(policy, at, 31, (s, n) -> cuts.add(s + "+" + n));
    assertThat(cuts).isEmpty();
    SlidingCutter.cut(policy, at, 64, (s, n) -> cuts.add(s + "+" + n));
    assertThat(cuts).containsExactly("0+32", "16+32", "32+32");
    assertThat(SlidingCutter.firstNeeded(at)).isEqualTo(48);
  }

  @Test
  void shouldOpenASegmentOnSoundAndCloseItAfterSilenceTrimmedToWholePatches() {
    WindowPolicy policy = WindowPolicy.segment(0.32, 5.0, 10); // min 32 frames, 30 quiet frames
    PolicyCursor at = new PolicyCursor("p", 0);
    List<Integer> closed = new ArrayList<>();
    float loud = 5f;
    float quiet = policy.silenceLogEnergy() - 1;
    for (long f = 0; f < 200; f++) {
      boolean active = f >= 10 && f < 50; // 40 active frames
      int length = SegmentDetector.onFrame(policy, at, f, active ? loud : quiet);
      if (length > 0) {
        closed.add(length);
        assertThat(at.segmentStart).isEqualTo(10);
        assertThat(f).as("closes after 30 quiet frames").isEqualTo(79);
      }
      if (f == 20) {
        assertThat(SegmentDetector.firstNeeded(at)).as("open: its frames are needed").isEqualTo(10);
      }
    }
    assertThat(closed).containsExactly(48); // 40 active frames, rounded up to three patches
    assertThat(SegmentDetector.firstNeeded(at)).isEqualTo(200);
  }

  @Test
  void shouldEndAnOpenSegmentWithTheRunOrDropItWhenUnderAPatch() {
    WindowPolicy policy = WindowPolicy.segment(0.32, 5.0, 10);
    PolicyCursor at = new PolicyCursor("p", 0);
    for (long f = 0; f < 40; f++) {
      SegmentDetector.onFrame(policy, at, f, 5f);
    }
    assertThat(SegmentDetector.atRunEnd(at, 40)).isEqualTo(32); // what exists, in whole patches
    PolicyCursor click = new PolicyCursor("p", 0);
    for (long f = 0; f < 10; f++) {
      SegmentDetector.onFrame(policy, click, f, 5f);
    }
    assertThat(SegmentDetector.atRunEnd(click, 10)).isEqualTo(-1);
    assertThat(SegmentDetector.atRunEnd(new PolicyCursor("p", 0), 10)).isZero();
  }

  @Test
  void shouldCutALongSoundAtTheMaximumLength() {
    WindowPolicy policy = WindowPolicy.segment(0.5, 1.0, 10); // max 96 frames
    PolicyCursor at = new PolicyCursor("p", 0);
    List<Long> starts = new ArrayList<>();
    for (long f = 0; f < 300; f++) {
      if (SegmentDetector.onFrame(policy, at, f, 5f) > 0) {
        starts.add(at.segmentStart);
      }
    }
    assertThat(starts).containsExactly(0L, 96L, 192L);
  }
}
