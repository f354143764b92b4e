package io.elasticast.app.bench;

import io.elasticast.featurizer.WindowPolicy;
import io.elasticast.schemas.ClassificationEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every sliding window a pipeline run delivered, by id (feed, policy, start): which arrived twice,
 * and which are missing, inside a feed's run (a start that skips a hop), at its head (a feed whose
 * first window starts later than the other feeds' first) or at its tail (a feed whose last window
 * ends earlier than the audio it was sent). Every feed of a run starts and stops together.
 */
public final class WindowLedger {

  /** What the ledger found. */
  public record Count(long received, long duplicated, long missing, int feeds) {}

  private final Map<String, WindowPolicy> sliding = new HashMap<>();
  /** feed + policy → window start (us) → times received. */
  private final Map<String, TreeMap<Long, Integer>> starts = new HashMap<>();
  private final Map<String, Long> hopMicros = new HashMap<>();
  private final Map<String, Long> lengthMicros = new HashMap<>();

  public WindowLedger(List<WindowPolicy> policies) {
    for (WindowPolicy p : policies) {
      if (p.kind() == WindowPolicy.Kind.SLIDING) {
        sliding.put(p.name(), p);
      }
    }
  }

  public void add(ClassificationEvent e) {
    WindowPolicy p = sliding.get(e.getWindowPolicy());
    if (p == null) {
      return; // native segments have no fixed grid to check
    }
    String key = e.getStreamId() + "\u0000" + p.name();
    starts.computeIfAbsent(key, k -> new TreeMap<>()).merge(e.getWindowStartMicros(), 1, Integer::sum);
    hopMicros.putIfAbsent(key, (long) p.hopFrames() * p.frameShiftMs() * 1000);
    lengthMicros.putIfAbsent(key, e.getWindowEndMicros() - e.getWindowStartMicros());
  }

  /**
   * Counts, given that the audio of every feed ended at {@code audioEndMicros} or later (less a
   * chunk, for the one being sent when the source stopped).
   */
  public Count count(long audioEndMicros) {
    long received = 0;
    long duplicated = 0;
    long missing = 0;
    long firstOfAll = Long.MAX_VALUE;
    for (TreeMap<Long, Integer> s : starts.values()) {
      firstOfAll = Math.min(firstOfAll, s.firstKey());
    }
    List<String> feeds = new ArrayList<>();
    for (Map.Entry<String, TreeMap<Long, Integer>> e : starts.entrySet()) {
      TreeMap<Long, Integer> s = e.getValue();
      long hop = hopMicros.get(e.getKey());
      long length = lengthMicros.get(e.getKey());
      feeds.add(e.getKey().substring(0, e.getKey().indexOf('\u0000')));
      long previous = Long.MIN_VALUE;
      for (Map.Entry<Long, Integer> w : s.entrySet()) {
        received += w.getValue();
        duplicated += w.getValue() - 1;
        if (previous != Long.MIN_VALUE) {
          missing += Math.max(0, Math.round((double) (w.getKey() - previous) / hop) - 1);
        }
        previous = w.getKey();
      }
      // every feed started within a second of the first: windows before its first are missing
      missing += Math.max(0, (s.firstKey() - firstOfAll - 1_000_000) / hop);
      // the last complete window ends less than a hop before the audio does
      long lastEnd = s.lastKey() + length;
      missing += Math.max(0, Math.floorDiv(audioEndMicros - lastEnd, hop));
    }
    return new Count(received, duplicated, missing, (int) feeds.stream().distinct().count());
  }
}
