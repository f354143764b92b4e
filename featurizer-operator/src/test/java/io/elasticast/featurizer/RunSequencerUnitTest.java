package io.elasticast.featurizer;

import static io.elasticast.featurizer.RunSequencer.Step.CONTINUE;
import static io.elasticast.featurizer.RunSequencer.Step.DUPLICATE;
import static io.elasticast.featurizer.RunSequencer.Step.GAP;
import static io.elasticast.featurizer.RunSequencer.Step.IMPLAUSIBLE;
import static io.elasticast.featurizer.RunSequencer.Step.NEW_RUN;
import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.OrderKind;
import org.junit.jupiter.api.Test;

class RunSequencerUnitTest {

  static final long T = 1_000_000L;
  /** Chunk length, in the same units as T. */
  static final long C = 100;

  @Test
  void shouldFollowTheNormalisersVerdict() {
    assertThat(RunSequencer.step(-1, -1, 0, T, C, OrderKind.FIRST)).isEqualTo(CONTINUE);
    assertThat(RunSequencer.step(4, T, 5, T + 100, C, OrderKind.CONTINUES)).isEqualTo(CONTINUE);
    assertThat(RunSequencer.step(4, T, 9, T + 900, C, OrderKind.GAP)).isEqualTo(GAP);
    assertThat(RunSequencer.step(4, T, 0, T + 100, C, OrderKind.RESTART)).isEqualTo(NEW_RUN);
    // the normaliser forgot an idle feed and meets it again
    assertThat(RunSequencer.step(4, T, 0, T + 3_600_000_000L, C, OrderKind.FIRST)).isEqualTo(NEW_RUN);
    // the job's first sight of a feed may be any verdict
    assertThat(RunSequencer.step(-1, -1, 7, T, C, OrderKind.RESTART)).isEqualTo(CONTINUE);
    assertThat(RunSequencer.step(-1, -1, 7, T, C, OrderKind.GAP)).isEqualTo(GAP);
  }

  @Test
  void shouldDropARecordItHasTakenBeforeWhateverItsVerdict() {
    for (OrderKind kind : new OrderKind[] {null, OrderKind.FIRST, OrderKind.CONTINUES, OrderKind.GAP,
        OrderKind.RESTART}) {
      assertThat(RunSequencer.step(4, T, 4, T, C, kind)).as("%s", kind).isEqualTo(DUPLICATE);
      assertThat(RunSequencer.step(4, T, 2, T - 200, C, kind)).as("%s", kind).isEqualTo(DUPLICATE);
    }
  }

  @Test
  void shouldCallNumbersSkippedUnderAContinuingVerdictAGap() {
    // the job refused chunks 5..6 itself (event time out of bounds, say)
    assertThat(RunSequencer.step(4, T, 7, T + 300, C, OrderKind.CONTINUES)).isEqualTo(GAP);
  }

  @Test
  void shouldContinueAChunkWithoutAVerdictOnlyWhenItFollowsOn() {
    assertThat(RunSequencer.step(4, T, 5, T + 100, C, null)).isEqualTo(CONTINUE);
    assertThat(RunSequencer.step(4, T, 9, T + 500, C, null)).isEqualTo(NEW_RUN);
    assertThat(RunSequencer.step(4, T, 0, T + 100, C, null)).isEqualTo(NEW_RUN);
  }

  @Test
  void shouldRefuseAJumpItsEventTimeDoesNotAccountFor() {
    long far = RunSequencer.MAX_UNTIMED_JUMP + 10;
    for (OrderKind kind : new OrderKind[] {null, OrderKind.CONTINUES, OrderKind.GAP}) {
      // a corrupt number: 2^40 chunks skipped in no time at all
      assertThat(RunSequencer.step(4, T, 1L << 40, T + C, C, kind)).as("%s", kind)
          .isEqualTo(IMPLAUSIBLE);
      assertThat(RunSequencer.step(4, T, 5 + far, T + C, C, kind)).as("%s", kind)
          .isEqualTo(IMPLAUSIBLE);
    }
    // the same jump with the event time to match is a gap (or a new run without a verdict)
    assertThat(RunSequencer.step(4, T, 5 + far, T + (far + 1) * C, C, OrderKind.CONTINUES))
        .isEqualTo(GAP);
    assertThat(RunSequencer.step(4, T, 5 + far, T + (far + 1) * C, C, null)).isEqualTo(NEW_RUN);
    // short jumps need no event time
    assertThat(RunSequencer.step(4, T, 5 + RunSequencer.MAX_UNTIMED_JUMP, T + C, C,
        OrderKind.CONTINUES)).isEqualTo(GAP);
    // the normaliser's word that the feed starts over wins
    assertThat(RunSequencer.step(4, T, 1L << 40, T + C, C, OrderKind.RESTART)).isEqualTo(NEW_RUN);
  }
}
