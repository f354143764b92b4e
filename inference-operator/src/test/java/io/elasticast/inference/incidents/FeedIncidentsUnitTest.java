package io.elasticast.inference.incidents;

import static io.elasticast.inference.incidents.Windows.end;
import static io.elasticast.inference.incidents.Windows.sliding;
import static io.elasticast.inference.incidents.Windows.start;
import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.inference.incidents.FeedIncidents.Outcome;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One feed's trackers together: which windows drive them, absent labels, order, state kept. */
class FeedIncidentsUnitTest {

  static final IncidentSettings SETTINGS = IncidentSettings.defaults()
      .withRules(new IncidentRules(2, 3, 2000, 0, 0.1f));

  /** A feed's state as plain maps. */
  static final class MapStore implements FeedIncidents.Store {
    final Map<String, TrackState> tracks = new HashMap<>();
    Long lastEnd;

    @Override
    public Long lastWindowEndMicros() {
      return lastEnd;
    }

    @Override
    public void lastWindowEndMicros(Long endMicros) {
      lastEnd = endMicros;
    }

    @Override
    public TrackState get(String label) {
      return tracks.get(label);
    }

    @Override
    public void put(String label, TrackState state) {
      tracks.put(label, state);
    }

    @Override
    public void remove(String label) {
      tracks.remove(label);
    }

    @Override
    public List<String> labels() {
      return new ArrayList<>(tracks.keySet());
    }
  }

  final FeedIncidents feed = new FeedIncidents(SETTINGS);
  final MapStore store = new MapStore();
  final List<Incident> out = new ArrayList<>();

  Outcome take(ClassificationEvent e) {
    return feed.onWindow(e, store, out::add);
  }

  @Test
  void shouldCountWindowsQuieterThanTheMinimumLevelAsScoreZero() {
    FeedIncidents gated = new FeedIncidents(IncidentSettings.defaults()
        .withRules(new IncidentRules(2, 3, 2000, 0, 0.1f, -60f)));
    // the model calls digital silence "engine" with 0.72: the level gate keeps it from an incident
    for (int i = 0; i < 6; i++) {
      ClassificationEvent silent = ClassificationEvent.newBuilder(sliding("feed-1", i, "engine", 0.72f))
          .setLevelDbfs(-120f).build();
      assertThat(gated.onWindow(silent, store, out::add)).isEqualTo(Outcome.IDLE);
    }
    assertThat(out).isEmpty();
    // a loud siren opens; once it falls below the gate its windows no longer hold the incident
    for (int i = 6; i < 9; i++) {
      gated.onWindow(ClassificationEvent.newBuilder(sliding("feed-1", i, "siren", 0.9f))
          .setLevelDbfs(-20f).build(), store, out::add);
    }
    assertThat(out).extracting(Incident::getState).containsExactly(IncidentState.OPEN);
    for (int i = 9; i < 16; i++) {
      gated.onWindow(ClassificationEvent.newBuilder(sliding("feed-1", i, "siren", 0.9f))
          .setLevelDbfs(-61f).build(), store, out::add);
    }
    assertThat(out).extracting(Incident::getState).containsExactly(IncidentState.OPEN, IncidentState.CLOSED);
    assertThat(out.get(1).getEndMicros()).isEqualTo(end(8));
    // an event without a level (an older writer) is never gated
    FeedIncidents ungatedByNull = new FeedIncidents(IncidentSettings.defaults()
        .withRules(new IncidentRules(2, 3, 2000, 0, 0.1f, -60f)));
    List<Incident> more = new ArrayList<>();
    MapStore other = new MapStore();
    for (int i = 0; i < 3; i++) {
      ungatedByNull.onWindow(sliding("feed-2", i, "siren", 0.9f), other, more::add);
    }
    assertThat(more).extracting(Incident::getState).containsExactly(IncidentState.OPEN);
  }

  @Test
  void shouldBeDrivenByTheSlidingWindowsOnly() {
    // native-length segments over the same sound would count it twice: they never drive incidents
    for (int i = 0; i < 4; i++) {
      ClassificationEvent segment = Windows.event("feed-1", Windows.SEGMENT, start(i), end(i) + 2_000_000,
          Map.of("siren", 0.99f));
      assertThat(take(segment)).isEqualTo(Outcome.NOT_DRIVING);
    }
    ClassificationEvent old = ClassificationEvent.newBuilder(sliding("feed-1", 0, "siren", 0.9f))
        .setWindowPolicy(null).build();
    assertThat(take(old)).as("an event without a policy").isEqualTo(Outcome.NOT_DRIVING);
    assertThat(out).isEmpty();
    assertThat(store.tracks).isEmpty();
    assertThat(take(sliding("feed-1", 0, "siren", 0.9f))).isEqualTo(Outcome.TRACKING);
    assertThat(take(sliding("feed-1", 1, "siren", 0.9f))).isEqualTo(Outcome.TRACKING);
    assertThat(out).extracting(Incident::getState).containsExactly(IncidentState.OPEN);
  }

  @Test
  void shouldFollowAFeedsOwnSlidingPolicyAndNoneWhereItHasNone() {
    IncidentSettings s = new IncidentSettings(SETTINGS.rules(), SETTINGS.thresholds(), Windows.SLIDING,
        new HashMap<>(Map.of("feed-4s", "sliding-4s/2s@20ms")), Set.of(), null);
    Map<String, String> perFeed = new HashMap<>(s.windowPolicyPerFeed());
    perFeed.put("segments-only", null);
    s = new IncidentSettings(s.rules(), s.thresholds(), s.windowPolicy(), perFeed, Set.of(), null);
    FeedIncidents f = new FeedIncidents(s);
    assertThat(f.drives(sliding("feed-4s", 0, "siren", 0.9f))).isFalse();
    assertThat(f.drives(Windows.event("feed-4s", "sliding-4s/2s@20ms", 0, 4_000_000, Map.of()))).isTrue();
    assertThat(f.drives(sliding("segments-only", 0, "siren", 0.9f))).isFalse();
    assertThat(f.drives(sliding("any-other", 0, "siren", 0.9f))).isTrue();
  }

  @Test
  void shouldCountALabelMissingFromTheTopKAsZero() {
    take(sliding("feed-1", 0, "siren", 0.9f));
    take(sliding("feed-1", 1, "siren", 0.9f));
    // the siren drops out of the top k: scored 0, so its incident closes after the hold
    for (int i = 2; i <= 5; i++) {
      take(sliding("feed-1", i, "speech", 0.95f));
    }
    List<Incident> siren = out.stream().filter(r -> r.getLabel().equals("siren")).toList();
    assertThat(siren).extracting(Incident::getState).containsExactly(IncidentState.OPEN, IncidentState.CLOSED);
    assertThat(siren.get(1).getEndMicros()).isEqualTo(end(1));
    assertThat(siren.get(1).getEventTimeMicros()).isEqualTo(end(5));
  }

  @Test
  void shouldTrackEachLabelOnItsOwn() {
    for (int i = 0; i < 6; i++) {
      take(sliding("feed-1", i, Map.of("siren", i < 3 ? 0.7f : 0.1f, "alarm", i >= 2 ? 0.8f : 0.1f)));
    }
    assertThat(out).extracting(r -> r.getLabel() + " " + r.getState())
        .containsExactly("siren OPEN", "alarm OPEN");
    assertThat(store.tracks.keySet()).containsExactlyInAnyOrder("siren", "alarm");
  }

  @Test
  void shouldIgnoreARepeatedOrEarlierWindow() {
    take(sliding("feed-1", 0, "siren", 0.9f));
    take(sliding("feed-1", 2, "siren", 0.9f));
    assertThat(take(sliding("feed-1", 2, "siren", 0.9f))).isEqualTo(Outcome.OUT_OF_ORDER);
    assertThat(take(sliding("feed-1", 1, "siren", 0.1f))).isEqualTo(Outcome.OUT_OF_ORDER);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).getWindowCount()).as("windows 0 and 2 only").isEqualTo(2);
  }

  @Test
  void shouldKeepNoStateForLabelsThatCannotOpen() {
    assertThat(take(sliding("feed-1", 0, "siren", 0.3f))).isEqualTo(Outcome.IDLE);
    assertThat(store.tracks).isEmpty();
    assertThat(store.lastEnd).isNull();
    assertThat(feed.silenceDeadlineMicros(store)).isNull();
    assertThat(take(sliding("feed-1", 1, "siren", 0.9f))).isEqualTo(Outcome.TRACKING);
    assertThat(feed.silenceDeadlineMicros(store)).isEqualTo(end(1) + 2_000_000);
    // a spike ages out of the last three windows: the tracker goes
    take(sliding("feed-1", 2, "siren", 0.1f));
    take(sliding("feed-1", 3, "siren", 0.1f));
    assertThat(take(sliding("feed-1", 4, "siren", 0.1f))).isEqualTo(Outcome.IDLE);
    assertThat(store.tracks).isEmpty();
    assertThat(out).isEmpty();
  }

  @Test
  void shouldApplyAPerFeedOverrideToThatFeedOnly() {
    IncidentThresholds t = new IncidentThresholds(LabelThresholds.of(0.6f, 0.4f),
        Map.of("siren", new LabelThresholds(0.7f, null)),
        Map.of("feed-7", Map.of("siren", new LabelThresholds(0.9f, null))));
    FeedIncidents f = new FeedIncidents(SETTINGS.withThresholds(t));
    for (String name : List.of("feed-1", "feed-7")) {
      MapStore s = new MapStore();
      for (int i = 0; i < 3; i++) {
        f.onWindow(sliding(name, i, "siren", 0.8f), s, out::add);
      }
    }
    assertThat(out).extracting(Incident::getStreamId).containsExactly("feed-1");
  }

  @Test
  void shouldCloseEveryOpenIncidentWhenTheFeedGoesSilent() {
    for (int i = 0; i < 3; i++) {
      take(sliding("feed-1", i, Map.of("siren", 0.8f, "alarm", 0.7f, "speech", i == 2 ? 0.65f : 0.1f)));
    }
    assertThat(out).hasSize(2);
    long silentAt = feed.silenceDeadlineMicros(store);
    feed.onSilence("feed-1", silentAt, store, out::add);
    assertThat(out.subList(2, 4)).extracting(r -> r.getLabel() + " " + r.getState())
        .as("in label order; speech had no onset yet and goes without a record")
        .containsExactly("alarm CLOSED", "siren CLOSED");
    assertThat(out.get(3).getEventTimeMicros()).isEqualTo(end(2) + 2_000_000);
    assertThat(out.get(3).getEndMicros()).isEqualTo(end(2));
    assertThat(store.tracks).isEmpty();
    assertThat(store.lastEnd).isNull();
  }
}
