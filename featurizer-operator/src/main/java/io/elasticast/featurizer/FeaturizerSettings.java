package io.elasticast.featurizer;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Job-wide featurizer configuration: mel bins, the window policies (overridable per feed), how
 * ordering problems are handled, and when an idle feed is flushed.
 *
 * @param perFeedPolicies stream id → policies that replace {@code policies} for that feed
 * @param reorderCapacity chunks held while waiting for a missing one before declaring a gap
 * @param maxZeroFill longest gap that {@link GapPolicy#ZERO_FILL} fills; longer gaps reset
 * @param idleTimeout event time without a chunk after which a feed is flushed
 * @param retention event time after an idle flush after which the feed's counters are dropped too
 */
public record FeaturizerSettings(int numMelBins, List<WindowPolicy> policies,
    Map<String, List<WindowPolicy>> perFeedPolicies, GapPolicy gapPolicy, int reorderCapacity,
    Duration maxZeroFill, Duration idleTimeout, Duration retention) implements Serializable {

  /** What happens when chunks are missing from a feed. Audio is never silently spliced. */
  public enum GapPolicy {
    /** Close open segments, drop buffered samples and frames, restart at the next chunk's time. */
    RESET,
    /** Insert silence for the missing time and mark the windows that cover it. */
    ZERO_FILL
  }

  public static final int SAMPLE_RATE = FbankConfig.DEFAULT_SAMPLE_RATE;
  public static final int DEFAULT_REORDER_CAPACITY = 8;

  public FeaturizerSettings {
    if (policies.isEmpty()) {
      throw new IllegalArgumentException("need at least one window policy");
    }
    if (reorderCapacity < 0) {
      throw new IllegalArgumentException("reorder capacity must be >= 0");
    }
    policies = List.copyOf(policies);
    perFeedPolicies = Map.copyOf(perFeedPolicies);
  }

  /** 128 bins, the given policies, zero fill up to 2 s, flush after 5 s idle, forget after 10 min. */
  public static FeaturizerSettings defaults(List<WindowPolicy> policies) {
    return new FeaturizerSettings(FbankConfig.DEFAULT_MEL_BINS, policies, Map.of(),
        GapPolicy.ZERO_FILL, DEFAULT_REORDER_CAPACITY, Duration.ofSeconds(2),
        Duration.ofSeconds(5), Duration.ofMinutes(10));
  }

  public FeaturizerSettings withGapPolicy(GapPolicy policy) {
    return new FeaturizerSettings(numMelBins, policies, perFeedPolicies, policy, reorderCapacity,
        maxZeroFill, idleTimeout, retention);
  }

  public FeaturizerSettings withMelBins(int bins) {
    return new FeaturizerSettings(bins, policies, perFeedPolicies, gapPolicy, reorderCapacity,
        maxZeroFill, idleTimeout, retention);
  }

  public FeaturizerSettings withPerFeedPolicies(Map<String, List<WindowPolicy>> perFeed) {
    return new FeaturizerSettings(numMelBins, policies, perFeed, gapPolicy, reorderCapacity,
        maxZeroFill, idleTimeout, retention);
  }

  public FeaturizerSettings withReorderCapacity(int capacity) {
    return new FeaturizerSettings(numMelBins, policies, perFeedPolicies, gapPolicy, capacity,
        maxZeroFill, idleTimeout, retention);
  }

  public List<WindowPolicy> policiesFor(String streamId) {
    return perFeedPolicies.getOrDefault(streamId, policies);
  }

  public long maxZeroFillSamples() {
    return maxZeroFill.toNanos() * SAMPLE_RATE / 1_000_000_000L;
  }
}
