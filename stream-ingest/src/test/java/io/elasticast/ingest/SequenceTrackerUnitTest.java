package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.ingest.SequenceTracker.Decision;
import io.elasticast.ingest.SequenceTracker.Kind;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SequenceTrackerUnitTest {

  /** Chunks of 100 ms whose event time follows their number, as a live feed's do. */
  static final long CHUNK = 100_000;
  static final long T0 = AudioFixtures.START_MICROS;

  static SequenceTracker.State start(long seq) {
    return SequenceTracker.start(seq, T0 + seq * CHUNK, CHUNK);
  }

  /** Observes chunk {@code seq} at the event time its number implies. */
  static Decision observe(SequenceTracker.State state, long seq) {
    return SequenceTracker.observe(state, seq, T0 + seq * CHUNK, CHUNK);
  }

  @Test
  void shouldAcceptTheNextNumber() {
    var state = start(5);
    assertThat(observe(state, 6).kind()).isEqualTo(Kind.IN_ORDER);
    assertThat(state.latestStartMicros()).isEqualTo(T0 + 6 * CHUNK);
  }

  @Test
  void shouldReportHowManyChunksAreMissing() {
    var state = start(0);
    assertThat(observe(state, 4)).isEqualTo(new Decision(Kind.GAP, 3));
  }

  @Test
  void shouldTellALateChunkFromARepeat() {
    var state = start(0);
    observe(state, 3);
    assertThat(observe(state, 1).kind()).isEqualTo(Kind.OUT_OF_ORDER);
    assertThat(observe(state, 1).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(observe(state, 3).kind()).isEqualTo(Kind.DUPLICATE);
    assertThat(state.duplicates()).isEqualTo(2);
  }

  @Test
  void shouldRememberRepeatsAcrossALargeJump() {
    var state = start(0);
    observe(state, 1_000);
    assertThat(observe(state, 999).kind()).isEqualTo(Kind.OUT_OF_ORDER);
    assertThat(observe(state, 1_000).kind()).isEqualTo(Kind.DUPLICATE);
  }

  @Test
  void shouldTreatALongOutageAsAGapWhenTheEventTimeMovedOnWithIt() {
    var state = start(10);
    // Offline for ten minutes: 6 000 chunks later, and ten minutes later in event time.
    assertThat(observe(state, 6_010)).isEqualTo(new Decision(Kind.GAP, 5_999));
    // Half the time the numbers imply is still believed (clocks and chunk sizes wobble).
    var again = start(10);
    long halfway = T0 + 10 * CHUNK + 6_000 * CHUNK / 2;
    assertThat(SequenceTracker.observe(again, 6_010, halfway, CHUNK).kind()).isEqualTo(Kind.GAP);
  }

  @Test
  void shouldRefuseAJumpTheEventTimeDoesNotBackAndKeepTheState() {
    var state = start(10);
    long next = T0 + 11 * CHUNK;
    for (long bogus : new long[] {Long.MAX_VALUE, 1L << 40, 10 + SequenceTracker.WINDOW + 1}) {
      Decision d = SequenceTracker.observe(state, bogus, next, CHUNK);
      assertThat(d.kind()).as("seq %d", bogus).isEqualTo(Kind.IMPLAUSIBLE);
      assertThat(state.highest()).isEqualTo(10);
      assertThat(state.seenMask()).isEqualTo(1L);
      assertThat(state.latestStartMicros()).isEqualTo(T0 + 10 * CHUNK);
    }
    assertThat(state.refusedInARow()).isEqualTo(3);
    assertThat(observe(state, 11).kind()).isEqualTo(Kind.IN_ORDER);
    assertThat(state.refusedInARow()).isZero();
  }

  @Test
  void shouldStartOverWhenAWholeWindowOfChunksDisagreesWithTheState() {
    var state = start(1_000);
    // A stray chunk with a low number and a later event time is taken for a restart...
    assertThat(SequenceTracker.observe(state, 3, T0 + 1_000 * CHUNK + 1_800_000_000L, CHUNK).kind())
        .isEqualTo(Kind.RESTART);
    // ...so the feed's real chunks look implausible (far ahead, earlier in time) for a while,
    for (long seq = 1_001; seq < 1_001 + SequenceTracker.WINDOW - 1; seq++) {
      assertThat(observe(state, seq).kind()).as("seq %d", seq).isEqualTo(Kind.IMPLAUSIBLE);
    }
    // but not for ever: a window of them in a row means the state is wrong, not the feed.
    long seq = 1_001 + SequenceTracker.WINDOW - 1;
    assertThat(observe(state, seq).kind()).isEqualTo(Kind.RESTART);
    assertThat(observe(state, seq + 1).kind()).isEqualTo(Kind.IN_ORDER);
  }

  @Test
  void shouldKeepAJumpWithinTheWindowAGapWhateverTheTime() {
    var state = start(10);
    long sameTime = T0 + 11 * CHUNK;
    assertThat(SequenceTracker.observe(state, 10 + SequenceTracker.WINDOW, sameTime, CHUNK).kind())
        .isEqualTo(Kind.GAP);
  }

  @Test
  void shouldTreatANumberThatWentBackWithALaterEventTimeAsARestart() {
    var state = start(0);
    for (long s = 1; s < 10; s++) {
      observe(state, s);
    }
    long later = T0 + 10 * CHUNK + 5_000_000; // the same feed, started over five seconds later
    assertThat(SequenceTracker.observe(state, 0, later, CHUNK).kind()).isEqualTo(Kind.RESTART);
    assertThat(state.highest()).isZero();
    assertThat(state.seenMask()).isEqualTo(1L);
    assertThat(SequenceTracker.observe(state, 1, later + CHUNK, CHUNK).kind()).isEqualTo(Kind.IN_ORDER);
  }

  @Test
  void shouldRestartAtAnyNumberNotOnlyZero() {
    var state = start(0);
    for (long s = 1; s < 100; s++) {
      observe(state, s);
    }
    long later = T0 + 100 * CHUNK;
    assertThat(SequenceTracker.observe(state, 42, later, CHUNK).kind()).isEqualTo(Kind.RESTART);
    assertThat(state.highest()).isEqualTo(42);
  }

  @Test
  void shouldNotTakeARepeatOfTheLatestChunkForARestart() {
    var state = start(0);
    observe(state, 1);
    // Up to half a chunk of disagreement in the repeat's event time is still a repeat.
    assertThat(SequenceTracker.observe(state, 1, T0 + CHUNK + CHUNK / 2, CHUNK).kind())
        .isEqualTo(Kind.DUPLICATE);
    assertThat(SequenceTracker.observe(state, 1, T0 + CHUNK + CHUNK / 2 + 1, CHUNK).kind())
        .isEqualTo(Kind.RESTART);
  }

  @Test
  void shouldStillTreatZeroLongAfterTheStartAsARestart() {
    var state = start(0);
    for (long s = 1; s <= SequenceTracker.WINDOW; s++) {
      observe(state, s);
    }
    // Seq 0 with its old event time: a producer whose event clock ran ahead (unpaced backfill).
    assertThat(observe(state, 0).kind()).isEqualTo(Kind.RESTART);
    assertThat(observe(state, 1).kind()).isEqualTo(Kind.IN_ORDER);
  }

  @Test
  void shouldUseTheNumberOnlyRulesForAStateWithoutEventTimes() {
    var state = new SequenceTracker.State(100, 1L, 0); // read from format version 1
    assertThat(SequenceTracker.observe(state, 1L << 40, T0, CHUNK).kind()).isEqualTo(Kind.GAP);
    var other = new SequenceTracker.State(100, 1L, 0);
    assertThat(SequenceTracker.observe(other, 100, T0 + 1_000 * CHUNK, CHUNK).kind())
        .isEqualTo(Kind.DUPLICATE);
    assertThat(other.latestStartMicros()).isEqualTo(SequenceTracker.UNKNOWN_TIME);
    // Its next in-order chunk teaches it the event time.
    assertThat(SequenceTracker.observe(other, 101, T0, CHUNK).kind()).isEqualTo(Kind.IN_ORDER);
    assertThat(other.latestStartMicros()).isEqualTo(T0);
  }

  @Test
  void shouldSurviveTheStateStoreRoundTrip() {
    var serde = new StreamState.StreamStateSerde();
    var resampler = new PolyphaseResampler(44_100, 16_000);
    var filter = resampler.newState();
    resampler.process(filter, AudioFixtures.noise(1, 1_000, 0.5));
    var state = new StreamState(new SequenceTracker.State(9, 0b1011, 2, 777L, 100_000L, 5), 44_100, 2,
        123L, filter, 456L);

    StreamState back = serde.deserialize("t", serde.serialize("t", state));
    assertThat(back.sequence().highest()).isEqualTo(9);
    assertThat(back.sequence().seenMask()).isEqualTo(0b1011);
    assertThat(back.sequence().duplicates()).isEqualTo(2);
    assertThat(back.sequence().latestStartMicros()).isEqualTo(777L);
    assertThat(back.sequence().latestDurationMicros()).isEqualTo(100_000L);
    assertThat(back.sequence().refusedInARow()).isEqualTo(5);
    assertThat(back.inputRate()).isEqualTo(44_100);
    assertThat(back.inputChannels()).isEqualTo(2);
    assertThat(back.originMicros()).isEqualTo(123L);
    assertThat(back.lastSeenMillis()).isEqualTo(456L);
    assertThat(back.resampler().nextOutput()).isEqualTo(filter.nextOutput());
    assertThat(back.resampler().historyStart()).isEqualTo(filter.historyStart());
    assertThat(back.resampler().history()).containsExactly(filter.history());
  }

  /** Written by the version 1 serde (before event times were kept), byte for byte. */
  static final String V1_WITH_FILTER = "010000000000000046000000000000f0f00000000000000003"
      + "0000ac440000000200060a24181e40000000019b76daa800"
      + "0100000000000004d200000000000004b0000000033e800000bf0000003f800000";
  static final String V1_PASS_THROUGH = "01000000000000000500000000000000010000000000000000"
      + "00003e8000000001000000000000002a000000000000000700";

  @Test
  void shouldStillReadStateWrittenInFormatVersion1() {
    var serde = new StreamState.StreamStateSerde();
    StreamState s = serde.deserialize("t", HexFormat.of().parseHex(V1_WITH_FILTER));
    assertThat(s.sequence().highest()).isEqualTo(70);
    assertThat(s.sequence().seenMask()).isEqualTo(0xF0F0L);
    assertThat(s.sequence().duplicates()).isEqualTo(3);
    assertThat(s.sequence().latestStartMicros()).isEqualTo(SequenceTracker.UNKNOWN_TIME);
    assertThat(s.inputRate()).isEqualTo(44_100);
    assertThat(s.inputChannels()).isEqualTo(2);
    assertThat(s.originMicros()).isEqualTo(1_700_000_000_000_000L);
    assertThat(s.lastSeenMillis()).isEqualTo(1_767_225_600_000L);
    assertThat(s.resampler().nextOutput()).isEqualTo(1234);
    assertThat(s.resampler().historyStart()).isEqualTo(1200);
    assertThat(s.resampler().history()).containsExactly(0.25f, -0.5f, 1f);

    StreamState p = serde.deserialize("t", HexFormat.of().parseHex(V1_PASS_THROUGH));
    assertThat(p.sequence().highest()).isEqualTo(5);
    assertThat(p.inputRate()).isEqualTo(16_000);
    assertThat(p.originMicros()).isEqualTo(42L);
    assertThat(p.lastSeenMillis()).isEqualTo(7L);
    assertThat(p.resampler()).isNull();

    // Written back, it is version 2 and keeps everything.
    StreamState again = serde.deserialize("t", serde.serialize("t", s));
    assertThat(serde.serialize("t", s)[0]).isEqualTo(StreamState.FORMAT_VERSION);
    assertThat(again.sequence().highest()).isEqualTo(70);
    assertThat(again.resampler().history()).containsExactly(0.25f, -0.5f, 1f);
  }
}
