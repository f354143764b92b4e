package io.elasticast.app.live;

import io.elasticast.app.live.FeedBoard.FeedView;
import io.elasticast.app.live.FeedBoard.Figures;
import io.elasticast.app.live.FeedBoard.Label;
import io.elasticast.app.live.FeedBoard.Snapshot;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The terminal view's text, apart from any terminal: one line per incident that opens or closes,
 * and a compact table with a row per feed (what it hears now, how loud, what it heard lately,
 * which incidents are open) under a line of pipeline figures. {@link WatchTerminal} puts them on
 * a screen.
 */
public final class WatchView {

  static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.S")
      .withZone(ZoneId.systemDefault());
  /** Recent labels shown per row (the board keeps more). */
  static final int STRIP = 8;
  static final int LEVEL_WIDTH = 10;

  private final String feed;
  private final String label;
  private final Set<String> alertLabels;

  /**
   * {@code feed} and {@code label} restrict what is shown (null: everything); incidents of
   * {@code alertLabels} are marked ALERT.
   */
  public WatchView(String feed, String label, Set<String> alertLabels) {
    this.feed = feed;
    this.label = label;
    this.alertLabels = alertLabels;
  }

  /** The line for an incident record, or null when it is an UPDATE or filtered out. */
  public String incidentLine(Incident i) {
    if (i.getState() == IncidentState.UPDATE || !shows(i.getStreamId().toString())
        || (label != null && !label.equals(i.getLabel().toString()))) {
      return null;
    }
    String name = i.getLabel().toString();
    String head = String.format("%s %-5s %-16s %-8s %-6s", clock(i.getEventTimeMicros()),
        alertLabels.contains(name) ? "ALERT" : "", i.getStreamId(), name, i.getState());
    if (i.getState() == IncidentState.OPEN) {
      return String.format("%s since %s, peak %.2f", head, clock(i.getStartMicros()), i.getPeakScore());
    }
    long end = i.getEndMicros() == null ? i.getEventTimeMicros() : i.getEndMicros();
    return String.format("%s %s-%s, %.1f s, peak %.2f, mean %.2f, %d windows", head,
        clock(i.getStartMicros()), clock(end), (end - i.getStartMicros()) / 1e6, i.getPeakScore(),
        i.getMeanScore(), i.getWindowCount());
  }

  /** The status table: a header, one row per shown feed, the figures line. */
  public List<String> table(Snapshot s) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format("%-16s %-24s %-16s %-" + (STRIP * 4) + "s %s", "feed",
        label == null ? "hears now" : label + " now", "level dBFS", "recently", "open"));
    int shown = 0;
    for (FeedView f : s.feeds()) {
      if (!shows(f.streamId())) {
        continue;
      }
      shown++;
      lines.add(String.format("%-16s %-24s %-16s %-" + (STRIP * 4) + "s %s", f.streamId(),
          now(f), level(f.levelDbfs()), strip(f.recentLabels()),
          String.join(",", label == null ? f.openIncidentLabels()
              : f.openIncidentLabels().stream().filter(label::equals).toList())));
    }
    if (shown == 0) {
      lines.add(feed == null ? "(no feed heard yet)" : "(feed " + feed + " not heard yet)");
    }
    lines.add(figures(s.figures(), s.openIncidents().size()));
    return lines;
  }

  private boolean shows(String streamId) {
    return feed == null || feed.equals(streamId);
  }

  private String now(FeedView f) {
    if (label != null) {
      for (Label l : f.top()) {
        if (l.label().equals(label)) {
          return String.format("%.2f", l.score());
        }
      }
      return "-";
    }
    List<String> parts = new ArrayList<>();
    for (int k = 0; k < Math.min(2, f.top().size()); k++) {
      parts.add(String.format("%s %.2f", f.top().get(k).label(), f.top().get(k).score()));
    }
    return parts.isEmpty() ? "-" : String.join("  ", parts);
  }

  /** A bar from -60 dBFS (empty) to 0 (full), and the number. */
  static String level(Float dbfs) {
    if (dbfs == null) {
      return "-";
    }
    double fill = Math.max(0, Math.min(1, (dbfs + 60) / 60.0));
    int n = (int) Math.round(fill * LEVEL_WIDTH);
    return "#".repeat(n) + ".".repeat(LEVEL_WIDTH - n) + String.format(" %4.0f", dbfs);
  }

  /** The latest labels, oldest first, three letters each. */
  static String strip(List<String> labels) {
    StringBuilder b = new StringBuilder();
    for (String l : labels.subList(Math.max(0, labels.size() - STRIP), labels.size())) {
      b.append(l, 0, Math.min(3, l.length())).append(' ');
    }
    return b.toString().trim();
  }

  static String figures(Figures f, int openIncidents) {
    return String.format("%.1f windows/s, latency p50 %d ms p99 %d ms, alert latency p50 %d ms,"
        + " pack %.2f, incidents %d open %d closed, lag %s, dead letters %d",
        f.windowsPerSecond(), f.latencyP50Ms(), f.latencyP99Ms(), f.alertLatencyP50Ms(),
        f.packUtilisation(), openIncidents, f.incidentsClosed(),
        f.lagRecords() < 0 ? "?" : Long.toString(f.lagRecords()), f.deadLetters());
  }

  static String clock(long micros) {
    return CLOCK.format(Instant.ofEpochMilli(micros / 1000));
  }
}
