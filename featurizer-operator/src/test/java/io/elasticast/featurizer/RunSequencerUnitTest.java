package io.elasticast.featurizer;

import static io.elasticast.featurizer.RunSequencer.Step.CONTINUE;
import static io.elasticast.featurizer.RunSequencer.Step.DUPLICATE;
import static io.elasticast.featurizer.RunSequencer.Step.GAP;
import static io.elasticast.featurizer.RunSequencer.Step.NEW_RUN;
import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.OrderKind;
import org.junit.jupiter.api.Test;

class RunSequencerUnitTest {

  static final long T = 1_000_000L;

  @Test
  void shouldFollowTheNormalisersVerdict() {
    assertThat(RunSequencer.step(-1, -1, 0, T, OrderKind.FIRST)).isEqualTo(CONTINUE);
    assertThat(RunSequencer.step(4, T, 5, T + 100, OrderKind.CONTINUES)).isEqualTo(CONTINUE);
    assertThat(RunSequencer.step(4, T, 9, T + 900, OrderKind.GAP)).isEqualTo(GAP);
    assertThat(RunSequencer.step(4, T, 0, T + 100, OrderKind.RESTART)).isEqualTo(NEW_RUN);
    // the normaliser forgot an idle feed and meets it again
    assertThat(RunSequencer.step(4, T, 0, T + 3_600_000_000L, OrderKind.FIRST)).isEqualTo(NEW_RUN);
    // the job's first sight of a feed may be any verdict
    assertThat(RunSequencer.step(-1, -1, 7, T, OrderKind.RESTART)).isEqualTo(CONTINUE);
    assertThat(RunSequencer.step(-1, -1, 7, T, OrderKind.GAP)).isEqualTo(GAP);
  }

  @Test
  void shouldDropARecordItHasTakenBeforeWhateverItsVerdict() {
    for (OrderKind kind : new OrderKind[] {null, OrderKind.FIRST, OrderKind.CONTINUES, OrderKind.GAP,
        OrderKind.RESTART}) {
      assertThat(RunSequencer.step(4, T, 4, T, kind)).as("%s", kind).isEqualTo(DUPLICATE);
      assertThat(RunSequencer.step(4, T, 2, T - 200, kind)).as("%s", kind).isEqualTo(DUPLICATE);
    }
  }

  @Test
  void shouldCallNumbersSkippedUnderAContinuingVerdictAGap() {
    // the job refused chunks 5..6 itself (event time out of bounds, say)
    assertThat(RunSequencer.step(4, T, 7, T + 300, OrderKind.CONTINUES)).isEqualTo(GAP);
  }

  @Test
  void shouldContinueAChunkWithoutAVerdictOnlyWhenItFollowsOn() {
    assertThat(RunSequencer.step(4, T, 5, T + 100, null)).isEqualTo(CONTINUE);
    assertThat(RunSequencer.step(4, T, 9, T + 500, null)).isEqualTo(NEW_RUN);
    assertThat(RunSequencer.step(4, T, 0, T + 100, null)).isEqualTo(NEW_RUN);
  }
}
