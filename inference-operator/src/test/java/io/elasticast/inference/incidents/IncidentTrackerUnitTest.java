package io.elasticast.inference.incidents;

import static io.elasticast.inference.incidents.Windows.end;
import static io.elasticast.inference.incidents.Windows.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.elasticast.inference.incidents.IncidentThresholds.Resolved;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every rule of one (feed, label) tracker, on sliding windows of 1 s every 0.5 s. */
class IncidentTrackerUnitTest {

  static final Resolved ON_06_OFF_04 = new Resolved(0.6f, 0.4f);
  /** The default rules without a minimum duration, so each rule shows on its own. */
  static final IncidentRules RULES = new IncidentRules(2, 3, 2000, 0, 0.1f);

  /** Feeds scores as windows 0, 1, 2, ... and keeps each record with the window that decided it. */
  static final class Run {
    final TrackState state = new TrackState();
    final IncidentRules rules;
    final List<Incident> records = new ArrayList<>();
    final List<Integer> at = new ArrayList<>();
    int next;

    Run(IncidentRules rules) {
      this.rules = rules;
    }

    IncidentTracker tracker() {
      return new IncidentTracker(rules, "feed-1", "siren", ON_06_OFF_04, state);
    }

    Run scores(double... scores) {
      for (double s : scores) {
        Incident r = tracker().onWindow(start(next), end(next), (float) s);
        if (r != null) {
          records.add(r);
          at.add(next);
        }
        next++;
      }
      return this;
    }

    List<IncidentState> states() {
      return records.stream().map(Incident::getState).toList();
    }
  }

  static Run run(double... scores) {
    return new Run(RULES).scores(scores);
  }

  @Test
  void shouldOpenWhenKOfTheLastNWindowsReachTheOnThreshold() {
    Run r = run(0.1, 0.7, 0.3, 0.7);
    assertThat(r.states()).containsExactly(IncidentState.OPEN);
    assertThat(r.at).containsExactly(3);
    Incident open = r.records.get(0);
    // it starts with the earliest qualifying window and holds every window since
    assertThat(open.getStartMicros()).isEqualTo(start(1));
    assertThat(open.getEndMicros()).isNull();
    assertThat(open.getWindowCount()).isEqualTo(3);
    assertThat(open.getPeakScore()).isEqualTo(0.7f);
    assertThat(open.getMeanScore()).isCloseTo((0.7f + 0.3f + 0.7f) / 3, offset(1e-6f));
    assertThat(open.getEventTimeMicros()).isEqualTo(end(3));
    assertThat(open.getIncidentId()).isEqualTo("feed-1/siren/" + start(1));
  }

  @Test
  void shouldNotOpenWhenTheQualifyingWindowsAreFurtherApartThanN() {
    // never two of any three consecutive windows at or above 0.6
    Run r = run(0.7, 0.2, 0.2, 0.7, 0.2, 0.2, 0.7);
    assertThat(r.records).isEmpty();
  }

  @Test
  void shouldNotOpenOnASingleSpike() {
    Run r = run(0.1, 0.99, 0.1, 0.1, 0.1);
    assertThat(r.records).isEmpty();
    assertThat(r.tracker().dormant()).as("nothing left to remember").isTrue();
  }

  @Test
  void shouldTakeTheOnThresholdItselfAsReached() {
    assertThat(run(0.6, 0.6).states()).containsExactly(IncidentState.OPEN);
    assertThat(run(0.59, 0.59, 0.59).records).isEmpty();
  }

  @Test
  void shouldStayOpenBetweenTheOffAndOnThresholds() {
    Run r = run(0.8, 0.8);
    r.scores(0.5, 0.45, 0.4, 0.5, 0.41, 0.55, 0.5, 0.45, 0.5, 0.4); // 5 s between off and on
    assertThat(r.states()).containsExactly(IncidentState.OPEN);
    r.scores(0.39, 0.1, 0.1, 0.1);
    assertThat(r.states()).containsExactly(IncidentState.OPEN, IncidentState.CLOSED);
    assertThat(r.records.get(1).getWindowCount()).isEqualTo(12);
    assertThat(r.records.get(1).getEndMicros()).isEqualTo(end(11));
  }

  @Test
  void shouldCloseOnceBelowTheOffThresholdForTheHoldTime() {
    Run r = run(0.8, 0.9, 0.7); // active until end(2)
    r.scores(0.1, 0.3, 0.39); // quiet for 0.5, 1.0, 1.5 s: still open
    assertThat(r.states()).containsExactly(IncidentState.OPEN);
    r.scores(0.2); // end(6) = end(2) + 2 s: held long enough
    assertThat(r.states()).containsExactly(IncidentState.OPEN, IncidentState.CLOSED);
    Incident closed = r.records.get(1);
    assertThat(r.at.get(1)).isEqualTo(6);
    assertThat(closed.getStartMicros()).isEqualTo(start(0));
    assertThat(closed.getEndMicros()).as("the end of the last active window").isEqualTo(end(2));
    assertThat(closed.getEventTimeMicros()).isEqualTo(end(6));
    assertThat(closed.getWindowCount()).as("the trailing quiet windows are not part of it").isEqualTo(3);
    assertThat(closed.getPeakScore()).isEqualTo(0.9f);
    assertThat(closed.getMeanScore()).isCloseTo(0.8f, offset(1e-6f));
    assertThat(closed.getIncidentId()).isEqualTo(r.records.get(0).getIncidentId());
    assertThat(r.tracker().dormant()).isTrue();
  }

  @Test
  void shouldMergeAGapShorterThanTheHoldIntoOneIncident() {
    Run r = run(0.8, 0.8, 0.1, 0.1, 0.1, 0.5, 0.8); // 1.5 s quiet, then active again
    r.scores(0.1, 0.1, 0.1, 0.1);
    assertThat(r.states()).containsExactly(IncidentState.OPEN, IncidentState.CLOSED);
    Incident closed = r.records.get(1);
    assertThat(closed.getStartMicros()).isEqualTo(start(0));
    assertThat(closed.getEndMicros()).isEqualTo(end(6));
    assertThat(closed.getWindowCount()).as("the gap's windows are inside the incident").isEqualTo(7);
    assertThat(closed.getMeanScore()).isCloseTo((0.8f * 3 + 0.3f + 0.5f) / 7, offset(1e-6f));
  }

  @Test
  void shouldSplitAtAGapAsLongAsTheHold() {
    Run r = run(0.8, 0.8, 0.1, 0.1, 0.1, 0.1, 0.8, 0.8, 0.1, 0.1, 0.1, 0.1);
    assertThat(r.states()).containsExactly(IncidentState.OPEN, IncidentState.CLOSED,
        IncidentState.OPEN, IncidentState.CLOSED);
    assertThat(r.records.get(2).getStartMicros()).isEqualTo(start(6));
    assertThat(r.records.get(2).getIncidentId()).isNotEqualTo(r.records.get(0).getIncidentId());
  }

  @Test
  void shouldNotReportAnIncidentShorterThanTheMinimumDuration() {
    IncidentRules atLeast2500 = new IncidentRules(2, 3, 2000, 2500, 0.1f);
    // onset spans 1.5 s, then it ends: never reported, not even as OPEN
    Run blip = new Run(atLeast2500).scores(0.8, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1);
    assertThat(blip.records).isEmpty();
    assertThat(blip.tracker().dormant()).isTrue();
    // the same onset that goes on is reported once it spans 2.5 s (the 4th window), from its start
    Run sustained = new Run(atLeast2500).scores(0.8, 0.8, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1);
    assertThat(sustained.states()).containsExactly(IncidentState.OPEN, IncidentState.CLOSED);
    assertThat(sustained.at.get(0)).isEqualTo(3);
    assertThat(sustained.records.get(0).getStartMicros()).isEqualTo(start(0));
    assertThat(sustained.records.get(0).getWindowCount()).isEqualTo(4);
  }

  @Test
  void shouldUseTwoSecondsMinimumDurationByDefault() {
    Run r = new Run(IncidentRules.defaults()).scores(0.8, 0.8);
    assertThat(r.records).as("1.5 s so far").isEmpty();
    r.scores(0.45);
    assertThat(r.states()).as("2 s").containsExactly(IncidentState.OPEN);
  }

  @Test
  void shouldSendAnUpdateEachTimeThePeakRisesByTheStep() {
    Run r = run(0.65, 0.65, 0.7, 0.8, 0.85, 0.95, 0.9, 0.5);
    assertThat(r.states()).containsExactly(IncidentState.OPEN, IncidentState.UPDATE, IncidentState.UPDATE);
    assertThat(r.at).containsExactly(1, 3, 5);
    assertThat(r.records).extracting(Incident::getPeakScore).containsExactly(0.65f, 0.8f, 0.95f);
    assertThat(r.records.get(1).getEndMicros()).isNull();
    assertThat(new Run(new IncidentRules(2, 3, 2000, 0, 1f)).scores(0.6, 0.6, 1.0).states())
        .as("a step of 1 turns updates off").containsExactly(IncidentState.OPEN);
  }

  @Test
  void shouldCloseAnOpenIncidentWhenTheFeedGoesSilent() {
    Run r = run(0.8, 0.8, 0.8, 0.1);
    long silentAt = end(3) + 2_000_000;
    Incident closed = r.tracker().onSilence(silentAt);
    assertThat(closed.getState()).isEqualTo(IncidentState.CLOSED);
    assertThat(closed.getEndMicros()).isEqualTo(end(2));
    assertThat(closed.getEventTimeMicros()).isEqualTo(silentAt);
    assertThat(closed.getWindowCount()).isEqualTo(3);
    assertThat(r.tracker().dormant()).isTrue();
    // an incident still under its minimum duration goes without a record
    Run pending = new Run(new IncidentRules(2, 3, 2000, 5000, 0.1f)).scores(0.8, 0.8);
    assertThat(pending.tracker().onSilence(end(1) + 2_000_000)).isNull();
    assertThat(pending.tracker().dormant()).isTrue();
  }

  @Test
  void shouldNotSeedANewIncidentWithTheWindowsOfTheLastOne() {
    // n larger than the hold: the ring still holds the closed incident's windows
    Run r = new Run(new IncidentRules(2, 10, 1000, 0, 0.1f)).scores(0.8, 0.8, 0.1, 0.1);
    assertThat(r.states()).containsExactly(IncidentState.OPEN, IncidentState.CLOSED);
    r.scores(0.8);
    assertThat(r.records).as("one new window is not two of the last ten").hasSize(2);
    r.scores(0.8);
    assertThat(r.records.get(2).getStartMicros()).isEqualTo(start(4));
  }

  @Test
  void shouldResetTheRingWhenRestoredUnderAnotherN() {
    Run r = run(0.8);
    assertThat(r.state.recentScores).hasSize(3);
    new IncidentTracker(new IncidentRules(2, 5, 2000, 0, 0.1f), "feed-1", "siren", ON_06_OFF_04, r.state);
    assertThat(r.state.recentScores).hasSize(5);
    assertThat(r.state.recentCount).isZero();
  }

  @Test
  void shouldRefuseRulesThatCannotWork() {
    assertThatThrownBy(() -> new IncidentRules(3, 2, 2000, 0, 0.1f)).hasMessageContaining("k <= n");
    assertThatThrownBy(() -> new IncidentRules(0, 2, 2000, 0, 0.1f)).hasMessageContaining("k <= n");
    assertThatThrownBy(() -> new IncidentRules(2, 33, 2000, 0, 0.1f)).hasMessageContaining("32");
    assertThatThrownBy(() -> new IncidentRules(2, 3, 0, 0, 0.1f)).hasMessageContaining("hold");
    assertThatThrownBy(() -> new IncidentRules(2, 3, 2000, -1, 0.1f)).hasMessageContaining("min duration");
    assertThatThrownBy(() -> new IncidentRules(2, 3, 2000, 0, 0f)).hasMessageContaining("peak rise");
  }
}
