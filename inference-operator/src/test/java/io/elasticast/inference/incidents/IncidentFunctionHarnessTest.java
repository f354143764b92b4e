package io.elasticast.inference.incidents;

import static io.elasticast.inference.incidents.Windows.end;
import static io.elasticast.inference.incidents.Windows.sliding;
import static io.elasticast.inference.incidents.Windows.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The operator in a keyed harness: each transition with keyed state, watermarks and the silence
 * timer, the alerts output, and a snapshot/restore in the middle of an open incident.
 */
class IncidentFunctionHarnessTest {

  /** The job's watermarks trail the chunks by max-out-of-orderness (2 s by default). */
  static final long WATERMARK_LAG_MILLIS = 2000;
  static final IncidentRules NO_MIN_DURATION = new IncidentRules(2, 3, 2000, 0, 0.1f);
  static final IncidentSettings SETTINGS = IncidentSettings.defaults().withRules(NO_MIN_DURATION);

  static KeyedOneInputStreamOperatorTestHarness<String, ClassificationEvent, Incident> harness(
      IncidentSettings settings) throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new IncidentFunction(settings)), ClassificationEvent::getStreamId,
        Types.STRING);
  }

  /** Feeds the events with their timestamps and a trailing watermark, as the job would. */
  static void play(KeyedOneInputStreamOperatorTestHarness<String, ClassificationEvent, Incident> h,
      List<ClassificationEvent> events) throws Exception {
    for (ClassificationEvent e : events) {
      h.processElement(e, Windows.millis(e));
      h.processWatermark(Windows.millis(e) - WATERMARK_LAG_MILLIS);
    }
  }

  /** Siren windows 0, 1, ... of {@code feed} with these scores. */
  static List<ClassificationEvent> siren(String feed, int from, double... scores) {
    List<ClassificationEvent> events = new ArrayList<>();
    for (int i = 0; i < scores.length; i++) {
      events.add(sliding(feed, from + i, "siren", (float) scores[i]));
    }
    return events;
  }

  static List<String> states(List<Incident> records) {
    return records.stream().map(r -> r.getStreamId() + " " + r.getLabel() + " " + r.getState()).toList();
  }

  static List<Incident> alerts(KeyedOneInputStreamOperatorTestHarness<String, ClassificationEvent, Incident> h) {
    var side = h.getSideOutput(IncidentFunction.ALERTS);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }

  @Test
  void shouldOpenAfterKOfTheLastNWindowsAndIgnoreSegments() throws Exception {
    try (var h = harness(SETTINGS)) {
      h.open();
      List<ClassificationEvent> events = new ArrayList<>(siren("feed-1", 0, 0.1, 0.7, 0.3));
      // a segment over the same sound: not the driving stream
      events.add(Windows.event("feed-1", Windows.SEGMENT, start(1), end(3), Map.of("siren", 0.99f)));
      events.addAll(siren("feed-1", 3, 0.7));
      play(h, events.subList(0, 4));
      assertThat(h.extractOutputValues()).isEmpty();
      play(h, events.subList(4, 5));
      assertThat(states(h.extractOutputValues())).containsExactly("feed-1 siren OPEN");
      Incident open = h.extractOutputValues().get(0);
      assertThat(open.getStartMicros()).isEqualTo(start(1));
      assertThat(open.getWindowCount()).isEqualTo(3);
      assertThat(h.getOutput()).filteredOn(o -> o instanceof StreamRecord<?>).singleElement()
          .satisfies(o -> assertThat(((StreamRecord<?>) o).getTimestamp()).isEqualTo(end(3) / 1000));
      assertThat(states(alerts(h))).containsExactly("feed-1 siren OPEN");
      assertThat(h.numEventTimeTimers()).as("one silence timer per feed").isEqualTo(1);
    }
  }

  @Test
  void shouldNotOpenOnASingleSpike() throws Exception {
    try (var h = harness(SETTINGS)) {
      h.open();
      play(h, siren("feed-1", 0, 0.2, 0.95, 0.2, 0.2, 0.2));
      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(h.numKeyedStateEntries()).as("a spike that aged out leaves no state").isZero();
      assertThat(h.numEventTimeTimers()).isZero();
    }
  }

  @Test
  void shouldStayOpenBetweenOffAndOnAndCloseAfterTheHoldTime() throws Exception {
    try (var h = harness(SETTINGS)) {
      h.open();
      play(h, siren("feed-1", 0, 0.8, 0.9, 0.5, 0.45, 0.5, 0.41, 0.5, 0.45)); // active until end(7)
      play(h, siren("feed-1", 8, 0.1, 0.1, 0.1));
      assertThat(states(h.extractOutputValues())).containsExactly("feed-1 siren OPEN");
      play(h, siren("feed-1", 11, 0.1)); // end(11) = end(7) + 2 s
      List<Incident> out = h.extractOutputValues();
      assertThat(states(out)).containsExactly("feed-1 siren OPEN", "feed-1 siren CLOSED");
      assertThat(out.get(1).getEndMicros()).isEqualTo(end(7));
      assertThat(out.get(1).getWindowCount()).isEqualTo(8);
      assertThat(out.get(1).getIncidentId()).isEqualTo(out.get(0).getIncidentId())
          .isEqualTo("feed-1/siren/" + start(0));
      assertThat(states(alerts(h))).containsExactly("feed-1 siren OPEN", "feed-1 siren CLOSED");
      assertThat(h.numKeyedStateEntries()).isZero();
      assertThat(h.numEventTimeTimers()).isZero();
    }
  }

  @Test
  void shouldMergeAGapShorterThanTheHold() throws Exception {
    try (var h = harness(SETTINGS)) {
      h.open();
      play(h, siren("feed-1", 0, 0.8, 0.8, 0.2, 0.2, 0.2, 0.8, 0.8, 0.2, 0.2, 0.2, 0.2));
      List<Incident> out = h.extractOutputValues();
      assertThat(states(out)).containsExactly("feed-1 siren OPEN", "feed-1 siren CLOSED");
      assertThat(out.get(1).getStartMicros()).isEqualTo(start(0));
      assertThat(out.get(1).getEndMicros()).isEqualTo(end(6));
      assertThat(out.get(1).getWindowCount()).isEqualTo(7);
    }
  }

  @Test
  void shouldSendUpdatesToTheIncidentsButNotToTheAlerts() throws Exception {
    try (var h = harness(SETTINGS)) {
      h.open();
      play(h, siren("feed-1", 0, 0.65, 0.65, 0.8, 0.95, 0.1, 0.1, 0.1, 0.1));
      assertThat(h.extractOutputValues()).extracting(Incident::getState).containsExactly(
          IncidentState.OPEN, IncidentState.UPDATE, IncidentState.UPDATE, IncidentState.CLOSED);
      assertThat(alerts(h)).extracting(Incident::getState)
          .containsExactly(IncidentState.OPEN, IncidentState.CLOSED);
    }
  }

  @Test
  void shouldAlertOnlyForTheWatchedLabels() throws Exception {
    try (var h = harness(new IncidentSettings(NO_MIN_DURATION, SETTINGS.thresholds(),
        Windows.SLIDING, Map.of(), Set.of("alarm"), null))) {
      h.open();
      List<ClassificationEvent> events = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        events.add(sliding("feed-1", i, Map.of("siren", 0.8f, "alarm", 0.7f)));
      }
      play(h, events);
      assertThat(states(h.extractOutputValues()))
          .containsExactly("feed-1 alarm OPEN", "feed-1 siren OPEN");
      assertThat(states(alerts(h))).containsExactly("feed-1 alarm OPEN");
    }
  }

  @Test
  void shouldCloseTheIncidentsOfAFeedThatGoesSilent() throws Exception {
    try (var h = harness(SETTINGS)) {
      h.open();
      for (int i = 0; i < 4; i++) {
        play(h, List.of(sliding("quiet-later", i, "siren", 0.9f), sliding("live", i, "alarm", 0.9f)));
      }
      // "quiet-later" sends nothing more; "live" goes on (its score below off, no incident open)
      for (int i = 4; i < 7; i++) {
        play(h, List.of(sliding("live", i, "alarm", 0.8f)));
      }
      assertThat(states(h.extractOutputValues()))
          .containsExactly("quiet-later siren OPEN", "live alarm OPEN");
      long silentAt = end(3) / 1000 + 2000;
      h.processWatermark(silentAt - 1);
      assertThat(h.extractOutputValues()).hasSize(2);
      h.processWatermark(silentAt);
      List<Incident> out = h.extractOutputValues();
      assertThat(states(out)).containsExactly("quiet-later siren OPEN", "live alarm OPEN",
          "quiet-later siren CLOSED");
      assertThat(out.get(2).getEndMicros()).isEqualTo(end(3));
      assertThat(out.get(2).getEventTimeMicros()).isEqualTo(silentAt * 1000);
      assertThat(states(alerts(h))).contains("quiet-later siren CLOSED");
      assertThat(h.numEventTimeTimers()).as("the live feed's timer only").isEqualTo(1);
      // the live feed falls silent too
      h.processWatermark(end(6) / 1000 + 2000);
      assertThat(states(h.extractOutputValues())).endsWith("live alarm CLOSED");
      assertThat(h.numKeyedStateEntries()).isZero();
      assertThat(h.numEventTimeTimers()).isZero();
    }
  }

  @Test
  void shouldNotReportAnIncidentShorterThanTheMinimumDuration() throws Exception {
    try (var h = harness(IncidentSettings.defaults())) { // 2 s minimum
      h.open();
      play(h, siren("feed-1", 0, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1)); // spans 1.5 s, then ends
      assertThat(h.extractOutputValues()).isEmpty();
      play(h, siren("feed-1", 6, 0.9, 0.9, 0.5, 0.1, 0.1, 0.1, 0.1)); // spans 2 s
      assertThat(states(h.extractOutputValues())).containsExactly("feed-1 siren OPEN", "feed-1 siren CLOSED");
      assertThat(h.extractOutputValues().get(0).getStartMicros()).isEqualTo(start(6));
      assertThat(alerts(h)).hasSize(2);
    }
  }

  @Test
  void shouldApplyAPerFeedOverride() throws Exception {
    IncidentThresholds t = new IncidentThresholds(LabelThresholds.of(0.6f, 0.4f), Map.of(),
        Map.of("feed-7", Map.of("siren", new LabelThresholds(0.85f, 0.5f))));
    try (var h = harness(SETTINGS.withThresholds(t))) {
      h.open();
      for (int i = 0; i < 8; i++) {
        float score = i < 3 ? 0.8f : i < 5 ? 0.95f : 0.45f;
        play(h, List.of(sliding("feed-1", i, "siren", score), sliding("feed-7", i, "siren", score)));
      }
      // feed-7 needs 0.85 to open: only from window 3 on
      assertThat(states(h.extractOutputValues())).containsExactly("feed-1 siren OPEN",
          "feed-1 siren UPDATE", "feed-7 siren OPEN");
      assertThat(h.extractOutputValues().get(2).getStartMicros()).isEqualTo(start(3));
      // 0.45 keeps feed-1's incident open (off 0.4) but is below feed-7's off (0.5): 2 s after
      // feed-7's last active window (4) it closes
      play(h, List.of(sliding("feed-1", 8, "siren", 0.45f), sliding("feed-7", 8, "siren", 0.45f)));
      assertThat(states(h.extractOutputValues())).hasSize(4).last().isEqualTo("feed-7 siren CLOSED");
      assertThat(h.extractOutputValues().get(3).getEndMicros()).isEqualTo(end(4));
    }
  }

  @Test
  void shouldContinueAndCloseAnOpenIncidentAfterSnapshotAndRestore() throws Exception {
    List<ClassificationEvent> events = new ArrayList<>(siren("feed-1", 0,
        0.2, 0.8, 0.8, 0.7, 0.2, 0.2, 0.9, 0.95, 0.5, 0.2, 0.2, 0.2, 0.2, 0.2));
    events.addAll(siren("feed-2", 0, 0.8, 0.8, 0.8));
    events.sort(java.util.Comparator.comparingLong(ClassificationEvent::getWindowEndMicros));
    long silent = end(13) / 1000 + 2000;
    List<Incident> uninterrupted;
    try (var h = harness(SETTINGS)) {
      h.open();
      play(h, events);
      h.processWatermark(silent);
      uninterrupted = h.extractOutputValues();
    }
    // feed-2 falls silent after its window 2; feed-1 has a 1 s gap (windows 4, 5) and ends at 8
    assertThat(states(uninterrupted)).containsExactly("feed-2 siren OPEN", "feed-1 siren OPEN",
        "feed-1 siren UPDATE", "feed-2 siren CLOSED", "feed-1 siren CLOSED");

    // cut inside feed-1's gap (window 5), with both incidents open and the gap's windows pending
    int cut = events.indexOf(sliding("feed-1", 5, "siren", 0.2f)) + 1;
    OperatorSubtaskState snapshot;
    List<Incident> resumed = new ArrayList<>();
    try (var h = harness(SETTINGS)) {
      h.open();
      play(h, events.subList(0, cut));
      snapshot = h.snapshot(1L, 1L);
      resumed.addAll(h.extractOutputValues());
      play(h, events.subList(cut, cut + 1)); // lost with this instance, as in a crash
    }
    assertThat(states(resumed)).containsExactly("feed-2 siren OPEN", "feed-1 siren OPEN");
    try (var h = harness(SETTINGS)) {
      h.initializeState(snapshot);
      h.open();
      assertThat(h.numEventTimeTimers()).as("silence timers restored").isEqualTo(2);
      play(h, events.subList(cut, events.size()));
      h.processWatermark(silent);
      resumed.addAll(h.extractOutputValues());
    }
    assertThat(resumed).isEqualTo(uninterrupted);
    assertThat(resumed.get(4).getWindowCount()).as("the gap before the snapshot merged").isEqualTo(8);
  }

  @Test
  void shouldKeepTrackerStateAsAFlinkPojo() {
    TypeInformation<TrackState> type = TypeInformation.of(TrackState.class);
    assertThat(type).isInstanceOf(PojoTypeInfo.class);
    PojoTypeInfo<TrackState> pojo = (PojoTypeInfo<TrackState>) type;
    for (int i = 0; i < pojo.getArity(); i++) {
      assertThat(pojo.getPojoFieldAt(i).getTypeInformation())
          .as(pojo.getPojoFieldAt(i).getField().getName() + " without Kryo")
          .isNotInstanceOf(GenericTypeInfo.class);
    }
  }

  @Test
  void shouldOpenAtTheModelsThresholdForALabelTheJobDoesNotConfigure(
      @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path tiny = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent()
        .resolve("model").resolve("artifacts").resolve("model-tiny-random.json");
    String json = java.nio.file.Files.readString(tiny).trim();
    java.nio.file.Files.writeString(dir.resolve("model.json"),
        json.substring(0, json.length() - 1) + ", \"thresholds\": {\"siren\": 0.3}}");
    IncidentSettings withModel = new IncidentSettings(NO_MIN_DURATION, SETTINGS.thresholds(),
        Windows.SLIDING, Map.of(), Set.of("siren"), dir.toString());
    List<ClassificationEvent> quiet = siren("feed-1", 0, 0.4, 0.45, 0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1);
    try (var h = harness(withModel)) {
      h.open();
      play(h, quiet);
      // 0.4 is below the job's default on (0.6) but above the model's siren threshold (0.3); the
      // off side is 0.3 * 0.4/0.6 = 0.2, so the 0.1s close it
      assertThat(states(h.extractOutputValues())).containsExactly("feed-1 siren OPEN", "feed-1 siren CLOSED");
    }
    try (var h = harness(SETTINGS.withRules(NO_MIN_DURATION))) {
      h.open();
      play(h, quiet);
      assertThat(h.extractOutputValues()).as("without the model's threshold").isEmpty();
    }
  }

  @Test
  void shouldRefuseLabelsTheModelDoesNotHave() throws Exception {
    Path model = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent()
        .resolve("model").resolve("artifacts").resolve("model-tiny-random.json");
    IncidentSettings typo = new IncidentSettings(NO_MIN_DURATION, SETTINGS.thresholds(),
        Windows.SLIDING, Map.of(), Set.of("sirne"), model.toString());
    try (var h = harness(typo)) {
      assertThatThrownBy(h::open).hasMessageContaining("sirne").hasMessageContaining("siren");
    }
    IncidentSettings good = new IncidentSettings(NO_MIN_DURATION, SETTINGS.thresholds(),
        Windows.SLIDING, Map.of(), Set.of("siren"), model.toString());
    try (var h = harness(good)) {
      h.open();
    }
  }
}
