package io.elasticast.featurizer;

import io.elasticast.schemas.NormalisedAudio;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Job-wide featurizer configuration: mel bins, the window policies (overridable per feed), what a
 * gap does, and when an idle feed is flushed.
 *
 * @param perFeedPolicies stream id → policies that replace {@code policies} for that feed
 * @param maxZeroFill longest gap that {@link GapPolicy#ZERO_FILL} fills; longer gaps reset
 * @param idleTimeout event time without a chunk after which a feed is flushed
 * @param stoppedInputFlush processing time without a chunk from any feed after which every feed is
 *     flushed all the same (the watermark stops with the input); longer than the outages the
 *     pipeline rides out (a broker restart), since a flush ends the feeds' runs
 * @param retention event time after an idle flush after which the feed's counters are dropped too
 */
public record FeaturizerSettings(int numMelBins, List<WindowPolicy> policies,
    Map<String, List<WindowPolicy>> perFeedPolicies, GapPolicy gapPolicy, Duration maxZeroFill, Duration idleTimeout,
    Duration stoppedInputFlush, Duration retention) implements Serializable {

  /** What happens when chunks are missing from a feed. Audio is never silently spliced. */
  public enum GapPolicy {
    /** Close open segments, drop buffered samples and frames, restart at the next chunk's time. */
    RESET,
    /** Insert silence for the missing time and mark the windows that cover it. */
    ZERO_FILL
  }


  public FeaturizerSettings {
    if (policies.isEmpty()) {
      throw new IllegalArgumentException("need at least one window policy");
    }
    policies = List.copyOf(policies);
    perFeedPolicies = Map.copyOf(perFeedPolicies);
  }

  /**
   * 128 bins, the given policies, zero fill up to 2 s, flush after 5 s idle (after 60 s without
   * any input by the clock), forget after 10 min.
   */
  public static FeaturizerSettings defaults(List<WindowPolicy> policies) {
    return new FeaturizerSettings(FbankConfig.DEFAULT_MEL_BINS, policies, Map.of(),
        GapPolicy.ZERO_FILL, Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(60),
        Duration.ofMinutes(10));
  }

  public FeaturizerSettings withIdle(Duration idle, Duration stoppedInput) {
    return new FeaturizerSettings(numMelBins, policies, perFeedPolicies, gapPolicy, maxZeroFill,
        idle, stoppedInput, retention);
  }

  public FeaturizerSettings withGapPolicy(GapPolicy policy) {
    return new FeaturizerSettings(numMelBins, policies, perFeedPolicies, policy,
        maxZeroFill, idleTimeout, stoppedInputFlush, retention);
  }

  public FeaturizerSettings withMelBins(int bins) {
    return new FeaturizerSettings(bins, policies, perFeedPolicies, gapPolicy,
        maxZeroFill, idleTimeout, stoppedInputFlush, retention);
  }

  public FeaturizerSettings withPerFeedPolicies(Map<String, List<WindowPolicy>> perFeed) {
    return new FeaturizerSettings(numMelBins, policies, perFeed, gapPolicy,
        maxZeroFill, idleTimeout, stoppedInputFlush, retention);
  }

  public List<WindowPolicy> policiesFor(String streamId) {
    return perFeedPolicies.getOrDefault(streamId, policies);
  }

  public long maxZeroFillSamples() {
    return maxZeroFill.toNanos() * NormalisedAudio.SAMPLE_RATE / 1_000_000_000L;
  }
}
