package io.elasticast.ingest;

/**
 * Keys the normaliser adds to {@code AudioChunk.sourceMetadata} of its output, for the featurizer's
 * gap policy. Absent keys mean "nothing to report".
 */
public final class NormalisedMetadata {

  /** Number of chunks missing just before this one (decimal). The filter restarts here. */
  public static final String GAP_BEFORE = "gap.before";
  /** "true": this chunk arrived after a later one; it was resampled on its own. */
  public static final String OUT_OF_ORDER = "out_of_order";
  /**
   * "true": the producer started the feed over (its numbers went back while its event time moved
   * on, e.g. the same file ingested again). The stream's earlier history no longer applies.
   */
  public static final String RESTART = "stream.restart";
  /**
   * Why the resampler started afresh at this chunk: "gap", "restart" or "format" (the input's rate or
   * channel count changed). The output then has no sample history before this chunk.
   */
  public static final String RESAMPLER_RESET = "resampler.reset";
  public static final String INPUT_SAMPLE_RATE = "input.sample_rate";
  public static final String INPUT_CHANNELS = "input.channels";

  private NormalisedMetadata() {}
}
