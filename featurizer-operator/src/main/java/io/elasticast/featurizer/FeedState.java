package io.elasticast.featurizer;

/**
 * Everything the featurizer remembers about one feed between chunks: sequencing (next expected
 * chunk, the reorder buffer), per frame shift the fbank carry-over and the frames not yet consumed
 * by every window, per policy its position, zero-filled sample ranges, and counters. A Flink POJO
 * (public fields, no-arg constructors, arrays only) so it is checkpointed field by field.
 */
public class FeedState {

  /** False before the first chunk and after a reset or idle flush: the next chunk sets the base. */
  public boolean started;
  /** Event time of sample 0 of the current contiguous run, microseconds since the epoch. */
  public long baseMicros;
  /** Samples of the current contiguous run (zero fill included). */
  public long samplesSeen;
  /** Next chunk sequence number expected; -1 before the first chunk. */
  public long nextSequence = -1;
  /**
   * The sequence numbers [skippedFrom, skippedTo) most recently given up on as a gap: a chunk from
   * that range arriving afterwards is late (counted as such), not a duplicate.
   */
  public long skippedFrom = -1;
  public long skippedTo = -1;
  /** Event time and length of the latest-starting chunk taken; -1 before the first. */
  public long latestStartMicros = -1;
  public long latestChunkMicros;
  /** Chunks that arrived ahead of a missing one, by ascending sequence number. */
  public PendingChunk[] reorder = new PendingChunk[0];
  /** One per distinct frame shift among the feed's policies, ascending. */
  public ScaleState[] scales = new ScaleState[0];
  /** One per window policy, in configuration order. */
  public PolicyState[] policies = new PolicyState[0];
  /** Zero-filled sample ranges of the current run as [start, end) pairs, oldest first. */
  public long[] zeroFilled = new long[0];
  /**
   * Sum of squares of the run's samples per block of {@code FeedFeaturizer.LEVEL_BLOCK} samples,
   * from block {@code levelFirstBlock} on (the last block fills as samples arrive): a window's level
   * is read from them. Null in state restored from before they were kept.
   */
  public long levelFirstBlock;
  public float[] levelBlocks = new float[0];
  public FeedStats stats = new FeedStats();

  public FeedState() {}

  /** A chunk held back until the ones before it arrive. */
  public static class PendingChunk {
    public long sequenceNumber;
    public long startMicros;
    public float[] samples;

    public PendingChunk() {}

    public PendingChunk(long sequenceNumber, long startMicros, float[] samples) {
      this.sequenceNumber = sequenceNumber;
      this.startMicros = startMicros;
      this.samples = samples;
    }
  }

  /** Fbank stream and frame buffer of one frame shift. */
  public static class ScaleState {
    public int frameShiftMs;
    public StreamingFbank.State fbank = new StreamingFbank.State();
    /** Index of frames[0] in the current run. */
    public long firstFrame;
    public int frameCount;
    /** [capacity * bins]; the first frameCount frames are valid. */
    public float[] frames = new float[0];

    public ScaleState() {}
  }

  /** Where one window policy stands. */
  public static class PolicyState {
    public String policy;
    public long nextWindowSequence;
    /** Sliding: first frame of the next window. */
    public long nextStartFrame;
    /** Segment: frames examined so far, whether a segment is open, and its bookkeeping. */
    public long scannedFrames;
    public boolean open;
    public long segmentStart;
    public long lastActiveFrame;
    public int silentRun;

    public PolicyState() {}
  }

  /** Per-feed counters (the operator also reports totals as Flink metrics). */
  public static class FeedStats {
    public long chunks;
    public long windows;
    public long frames;
    public long duplicates;
    /** Chunks that arrived after their gap had been declared; dropped (never spliced in). */
    public long lateChunks;
    public long gaps;
    public long resets;
    public long zeroFilledSamples;
    public long droppedShortSegments;
    /** Times the feed started over (see FeedFeaturizer.Verdict.RESTARTED). */
    public long restarts;
    /** Chunks refused for a sequence number their event time does not account for. */
    public long rejectedSequences;

    public FeedStats() {}
  }
}
