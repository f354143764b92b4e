package io.elasticast.app.live;

import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import io.elasticast.schemas.LabelScore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a running deployment is hearing now, built from its output topics: per feed the latest top
 * labels, level and a strip of recent labels; the open and recently closed incidents; and pipeline
 * figures (windows/s, latency, pack density, alert latency, dead letters, lag). The terminal
 * {@code watch} view and the browser dashboard both render {@link #snapshot} of one board.
 *
 * <p>Thread-safe: a consumer thread feeds it while a renderer reads snapshots. All memory is
 * bounded by the number of feeds: strips, incident history and latency samples are rings.
 */
public final class FeedBoard {

  /** Labels kept per feed for the "recently heard" strip. */
  public static final int STRIP_LENGTH = 24;
  /** Closed incidents kept for the "recent incidents" list. */
  public static final int RECENT_INCIDENTS = 20;
  /** Events whose latency and pack utilisation the figures are computed over. */
  static final int SAMPLES = 2000;
  /** Windows/s is counted over event arrivals in this many seconds. */
  static final long RATE_WINDOW_MICROS = 10_000_000L;

  private final Map<String, Feed> feeds = new TreeMap<>();
  private final Map<String, Incident> open = new LinkedHashMap<>();
  private final Deque<Incident> recent = new ArrayDeque<>();
  private final LongRing latencies = new LongRing(SAMPLES);
  private final LongRing alertLatencies = new LongRing(SAMPLES);
  private final double[] utilisation = new double[SAMPLES];
  private final Deque<Long> arrivals = new ArrayDeque<>();
  private long events;
  private long deadLetters;
  private final Map<String, Long> deadLettersByReason = new TreeMap<>();
  private long lagRecords = -1;
  private long incidentsOpened;
  private long incidentsClosed;

  /** One window's verdict arrived at {@code nowMicros} (wall clock). */
  public synchronized void onEvent(ClassificationEvent e, long nowMicros) {
    Feed feed = feeds.computeIfAbsent(e.getStreamId().toString(), Feed::new);
    feed.windows++;
    // The strip and the "now" labels follow one window stream per feed: the first sliding policy
    // seen (segments overlap those windows and arrive out of step with them).
    String policy = e.getWindowPolicy() == null ? "" : e.getWindowPolicy().toString();
    if (feed.stripPolicy == null && !policy.startsWith("segment")) {
      feed.stripPolicy = policy;
    }
    boolean onStrip = policy.equals(feed.stripPolicy) || feed.stripPolicy == null;
    if (onStrip && e.getWindowEndMicros() >= feed.lastWindowEndMicros) {
      feed.top = copy(e.getTopK());
      feed.lastWindowEndMicros = e.getWindowEndMicros();
      feed.levelDbfs = e.getLevelDbfs();
      feed.strip.addLast(feed.top.isEmpty() ? "?" : feed.top.get(0).label());
      while (feed.strip.size() > STRIP_LENGTH) {
        feed.strip.removeFirst();
      }
    }
    int slot = (int) (events % SAMPLES);
    latencies.add(nowMicros - e.getWindowEndMicros());
    utilisation[slot] = e.getPackStats().getUtilisation();
    events++;
    arrivals.addLast(nowMicros);
    trimArrivals(nowMicros);
  }

  /** An incident record (OPEN, UPDATE or CLOSED) arrived at {@code nowMicros}. */
  public synchronized void onIncident(Incident i, long nowMicros) {
    String id = i.getIncidentId().toString();
    feeds.computeIfAbsent(i.getStreamId().toString(), Feed::new);
    if (i.getState() == IncidentState.CLOSED) {
      if (open.remove(id) != null || !containsRecent(id)) {
        incidentsClosed++;
        recent.addFirst(i);
        while (recent.size() > RECENT_INCIDENTS) {
          recent.removeLast();
        }
      }
    } else {
      if (i.getState() == IncidentState.OPEN && !open.containsKey(id)) {
        incidentsOpened++;
        // decided at the end of the window that confirmed the onset: how long until a user sees it
        alertLatencies.add(nowMicros - i.getEventTimeMicros());
      }
      open.put(id, i);
    }
  }

  public synchronized void onDeadLetter(DeadLetter d) {
    deadLetters++;
    deadLettersByReason.merge(d.getReason().name(), 1L, Long::sum);
  }

  /** Records the job's consumer group has yet to read on its input topic; -1 when unknown. */
  public synchronized void setLag(long records) {
    lagRecords = records;
  }

  public synchronized Snapshot snapshot(long nowMicros) {
    trimArrivals(nowMicros);
    List<FeedView> feedViews = new ArrayList<>();
    for (Feed f : feeds.values()) {
      List<String> openLabels = new ArrayList<>();
      for (Incident i : open.values()) {
        if (i.getStreamId().toString().equals(f.streamId)) {
          openLabels.add(i.getLabel().toString());
        }
      }
      feedViews.add(new FeedView(f.streamId, List.copyOf(f.top), f.levelDbfs,
          List.copyOf(f.strip), f.lastWindowEndMicros, f.windows, openLabels));
    }
    List<IncidentView> openViews = new ArrayList<>();
    open.values().stream().sorted(Comparator.comparingLong(Incident::getStartMicros))
        .forEach(i -> openViews.add(IncidentView.of(i)));
    List<IncidentView> recentViews = new ArrayList<>();
    recent.forEach(i -> recentViews.add(IncidentView.of(i)));
    int n = (int) Math.min(events, SAMPLES);
    double utilisationSum = 0;
    for (int k = 0; k < n; k++) {
      utilisationSum += utilisation[k];
    }
    long span = Math.min(RATE_WINDOW_MICROS,
        arrivals.isEmpty() ? RATE_WINDOW_MICROS : Math.max(1_000_000L, nowMicros - arrivals.peekFirst()));
    Figures figures = new Figures(events, arrivals.size() / (span / 1e6),
        latencies.percentile(0.50) / 1000, latencies.percentile(0.99) / 1000,
        n == 0 ? 0.0 : utilisationSum / n, incidentsOpened, incidentsClosed,
        alertLatencies.percentile(0.50) / 1000, alertLatencies.percentile(0.99) / 1000,
        deadLetters, Map.copyOf(deadLettersByReason), lagRecords);
    return new Snapshot(nowMicros, feedViews, openViews, recentViews, figures);
  }

  private boolean containsRecent(String incidentId) {
    for (Incident i : recent) {
      if (i.getIncidentId().toString().equals(incidentId)) {
        return true;
      }
    }
    return false;
  }

  private void trimArrivals(long nowMicros) {
    while (!arrivals.isEmpty() && arrivals.peekFirst() < nowMicros - RATE_WINDOW_MICROS) {
      arrivals.removeFirst();
    }
  }

  private static List<Label> copy(List<LabelScore> topK) {
    List<Label> out = new ArrayList<>(topK.size());
    for (LabelScore s : topK) {
      out.add(new Label(s.getLabel().toString(), s.getScore()));
    }
    return out;
  }

  /** One label and its score. */
  public record Label(String label, float score) {}

  /** One feed as it stands. {@code levelDbfs} is null when the events carry no level. */
  public record FeedView(String streamId, List<Label> top, Float levelDbfs, List<String> recentLabels,
      long lastWindowEndMicros, long windows, List<String> openIncidentLabels) {}

  /** One incident as last reported; {@code endMicros} is null while it is open. */
  public record IncidentView(String incidentId, String streamId, String label, String state,
      long startMicros, Long endMicros, float peakScore, float meanScore, int windowCount,
      long eventTimeMicros) {
    static IncidentView of(Incident i) {
      return new IncidentView(i.getIncidentId().toString(), i.getStreamId().toString(),
          i.getLabel().toString(), i.getState().name(), i.getStartMicros(), i.getEndMicros(),
          i.getPeakScore(), i.getMeanScore(), i.getWindowCount(), i.getEventTimeMicros());
    }

    /** Seconds from start to end, or to {@code nowMicros} while open. */
    public double durationSeconds(long nowMicros) {
      return ((endMicros == null ? Math.max(eventTimeMicros, nowMicros) : endMicros) - startMicros) / 1e6;
    }
  }

  /**
   * Pipeline figures. Latency: a window's last sample to its event being read here (wall clock
   * against event time, so it includes the exactly-once commit wait). Alert latency: the window
   * that confirmed an onset ending to the OPEN record being read here. {@code lagRecords} is -1
   * when unknown.
   */
  public record Figures(long events, double windowsPerSecond, long latencyP50Ms, long latencyP99Ms,
      double packUtilisation, long incidentsOpened, long incidentsClosed, long alertLatencyP50Ms,
      long alertLatencyP99Ms, long deadLetters, Map<String, Long> deadLettersByReason,
      long lagRecords) {}

  /** Everything a view renders, taken at one instant. */
  public record Snapshot(long nowMicros, List<FeedView> feeds, List<IncidentView> openIncidents,
      List<IncidentView> recentIncidents, Figures figures) {}

  private static final class Feed {
    final String streamId;
    final Deque<String> strip = new ArrayDeque<>();
    List<Label> top = List.of();
    Float levelDbfs;
    long lastWindowEndMicros = Long.MIN_VALUE;
    long windows;
    String stripPolicy;

    Feed(String streamId) {
      this.streamId = streamId;
    }
  }

  /** The last {@code capacity} values, for percentiles. */
  private static final class LongRing {
    private final long[] values;
    private long count;

    LongRing(int capacity) {
      values = new long[capacity];
    }

    void add(long v) {
      values[(int) (count % values.length)] = v;
      count++;
    }

    long percentile(double q) {
      int n = (int) Math.min(count, values.length);
      if (n == 0) {
        return 0;
      }
      long[] sorted = java.util.Arrays.copyOf(values, n);
      java.util.Arrays.sort(sorted);
      return sorted[rank(n, q)];
    }
  }

  /** The {@code q} quantile (nearest rank) of ascending values; 0 when there are none. */
  public static long percentile(List<Long> sorted, double q) {
    return sorted.isEmpty() ? 0 : sorted.get(rank(sorted.size(), q));
  }

  private static int rank(int n, double q) {
    return Math.max(0, (int) Math.min(n - 1, Math.ceil(q * n) - 1));
  }
}
