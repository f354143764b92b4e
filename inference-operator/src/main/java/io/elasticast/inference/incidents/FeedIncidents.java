package io.elasticast.inference.incidents;

import io.elasticast.inference.incidents.IncidentThresholds.Resolved;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.LabelScore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * All incident trackers of one feed (pure logic; the state lives in a {@link Store}, Flink keyed
 * state in the job): picks the windows that drive them, steps one {@link IncidentTracker} per label
 * in event-time order, and closes everything when the feed goes silent.
 *
 * <p><b>One window stream drives incidents: the feed's first sliding policy</b> (default
 * {@code sliding:1s/0.5s@10ms}). Native-length segments cover the same sound as the sliding
 * windows around them, at irregular times, so counting both would count the same sound twice and
 * make "k of the last n windows" and the hold time mean different things from feed to feed.
 * Sliding windows arrive at a fixed hop, so k of n and the hold time are plain durations.
 *
 * <p><b>Scores.</b> A {@link ClassificationEvent} carries its top-k labels only, so a label absent
 * from an event's top k counts as score 0 there: it cannot have been higher than the k-th score,
 * which with the default softmax and k = 3 is far below any useful threshold; a label only
 * tracked while present would instead miss the windows that should close it.
 *
 * <p><b>Order.</b> The job keeps a feed's windows in order (one key per feed up to here, FIFO
 * packing), so a window that ends no later than the last one taken is a repeat or out of order: it
 * is ignored ({@link Outcome#OUT_OF_ORDER}) rather than allowed to rewind a tracker.
 *
 * <p>Only labels with something to remember have state: a tracker starts at the first window at
 * or above its on-threshold and is dropped when it is idle with no such window in its ring.
 */
public final class FeedIncidents {

  /** Where one feed's tracker state lives: a map in tests, Flink keyed state in the job. */
  public interface Store {
    /** End of the last window taken, or null when the feed has no tracker state. */
    Long lastWindowEndMicros();

    void lastWindowEndMicros(Long endMicros);

    TrackState get(String label);

    void put(String label, TrackState state);

    void remove(String label);

    /** The labels with state (a copy: the caller may put and remove while iterating). */
    List<String> labels();
  }

  public enum Outcome {
    /** Not the feed's driving window stream. */
    NOT_DRIVING,
    /** A repeat or out of order: ignored. */
    OUT_OF_ORDER,
    /** Taken; the feed has tracker state (its silence deadline applies). */
    TRACKING,
    /** Taken; nothing left to track (no state kept, no silence deadline). */
    IDLE
  }

  private final IncidentSettings settings;

  public FeedIncidents(IncidentSettings settings) {
    this.settings = settings;
  }

  /** Whether {@code e} belongs to the window stream that drives its feed's incidents. */
  public boolean drives(ClassificationEvent e) {
    String policy = settings.drivingPolicy(e.getStreamId());
    // events without a policy come from writers before the field existed: never from this job
    return policy != null && policy.equals(e.getWindowPolicy());
  }

  /** One event of the feed; the records it decides go to {@code out}. */
  public Outcome onWindow(ClassificationEvent e, Store store, Consumer<Incident> out) {
    if (!drives(e)) {
      return Outcome.NOT_DRIVING;
    }
    Long last = store.lastWindowEndMicros();
    if (last != null && e.getWindowEndMicros() <= last) {
      return Outcome.OUT_OF_ORDER;
    }
    String feed = e.getStreamId();
    Map<String, Float> scores = new HashMap<>();
    if (!settings.rules().quiet(e.getLevelDbfs())) {
      for (LabelScore ls : e.getTopK()) {
        scores.put(ls.getLabel(), ls.getScore());
      }
    }
    // every tracked label steps on every window (its ring counts the feed's windows); a new label
    // needs a tracker only when this window could count towards its onset
    // (in label order, so a replay emits one window's records in the same order)
    Set<String> labels = new TreeSet<>(store.labels());
    scores.forEach((label, score) -> {
      if (score >= thresholds(feed, label).on()) {
        labels.add(label);
      }
    });
    for (String label : labels) {
      TrackState state = store.get(label);
      IncidentTracker tracker = tracker(feed, label, state == null ? new TrackState() : state);
      Incident record = tracker.onWindow(e.getWindowStartMicros(), e.getWindowEndMicros(),
          scores.getOrDefault(label, 0f));
      if (record != null) {
        out.accept(record);
      }
      if (tracker.dormant()) {
        store.remove(label);
      } else {
        store.put(label, tracker.state());
      }
    }
    if (store.labels().isEmpty()) {
      store.lastWindowEndMicros(null);
      return Outcome.IDLE;
    }
    store.lastWindowEndMicros(e.getWindowEndMicros());
    return Outcome.TRACKING;
  }

  /**
   * When the feed counts as silent if no further window comes: the hold time after its last
   * window's end; null when nothing is tracked.
   */
  public Long silenceDeadlineMicros(Store store) {
    Long last = store.lastWindowEndMicros();
    return last == null ? null : last + settings.rules().holdMillis() * 1000;
  }

  /** The feed sent no window until {@code atMicros}: every open incident closes, all state goes. */
  public void onSilence(String feed, long atMicros, Store store, Consumer<Incident> out) {
    List<Incident> closed = new ArrayList<>();
    for (String label : store.labels()) {
      Incident record = tracker(feed, label, store.get(label)).onSilence(atMicros);
      if (record != null) {
        closed.add(record);
      }
      store.remove(label);
    }
    // in label order, so a replay emits the same records in the same order
    closed.sort(java.util.Comparator.comparing(Incident::getLabel));
    closed.forEach(out);
    store.lastWindowEndMicros(null);
  }

  private IncidentTracker tracker(String feed, String label, TrackState state) {
    return new IncidentTracker(settings.rules(), feed, label, thresholds(feed, label), state);
  }

  private Resolved thresholds(String feed, String label) {
    return settings.thresholds().of(feed, label);
  }
}
