package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.ingest.SequenceTracker.Kind;
import org.junit.jupiter.api.Test;

class SequenceTrackerUnitTest {

  @Test
  void shouldAcceptTheNextNumber() {
    var state = SequenceTracker.start(5);
    assertThat(SequenceTracker.observe(state, 6).kind()).isEqualTo(Kind.IN_ORDER);
  }

  @Test
  void shouldReportHowManyChunksAreMissing() {
    var state = SequenceTracker.start(0);
    assertThat(SequenceTracker.observe(state, 4)).isEqualTo(new SequenceTracker.Decision(Kind.GAP, 3));
  }

  @Test
  void shouldTellALateChunkFromARepeat() {
    var state = SequenceTracker.start(0);
    SequenceTracker.observe(state, 3);
    assertThat(SequenceTracker.observe(state, 1).kind()).isEqualTo(Kind.OUT_OF_ORDER);
    assertThat(SequenceTracker.observe(state, 1).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(SequenceTracker.observe(state, 3).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(state.duplicates()).isEqualTo(2);
  }

  @Test
  void shouldRememberRepeatsAcrossALargeJump() {
    var state = SequenceTracker.start(0);
    SequenceTracker.observe(state, 1_000);
    assertThat(SequenceTracker.observe(state, 999).kind()).isEqualTo(Kind.OUT_OF_ORDER);
    assertThat(SequenceTracker.observe(state, 1_000).kind()).isEqualTo(Kind.DUPLICATE);
  }

  @Test
  void shouldTreatZeroLongAfterTheStartAsARestart() {
    var state = SequenceTracker.start(0);
    for (long s = 1; s <= SequenceTracker.WINDOW; s++) {
      SequenceTracker.observe(state, s);
    }
    assertThat(SequenceTracker.observe(state, 0).kind()).isEqualTo(Kind.RESTART);
    assertThat(SequenceTracker.observe(state, 1).kind()).isEqualTo(Kind.IN_ORDER);
  }

  @Test
  void shouldSurviveTheStateStoreRoundTrip() {
    var serde = new StreamState.StreamStateSerde();
    var resampler = new PolyphaseResampler(44_100, 16_000);
    var filter = resampler.newState();
    resampler.process(filter, AudioFixtures.noise(1, 1_000, 0.5));
    var state = new StreamState(new SequenceTracker.State(9, 0b1011, 2), 44_100, 2, 123L, filter, 456L);

    StreamState back = serde.deserialize("t", serde.serialize("t", state));
    assertThat(back.sequence().highest()).isEqualTo(9);
    assertThat(back.sequence().seenMask()).isEqualTo(0b1011);
    assertThat(back.sequence().duplicates()).isEqualTo(2);
    assertThat(back.inputRate()).isEqualTo(44_100);
    assertThat(back.inputChannels()).isEqualTo(2);
    assertThat(back.originMicros()).isEqualTo(123L);
    assertThat(back.lastSeenMillis()).isEqualTo(456L);
    assertThat(back.resampler().nextOutput()).isEqualTo(filter.nextOutput());
    assertThat(back.resampler().historyStart()).isEqualTo(filter.historyStart());
    assertThat(back.resampler().history()).containsExactly(filter.history());
  }
}
