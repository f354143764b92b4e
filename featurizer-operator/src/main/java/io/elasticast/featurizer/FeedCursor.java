package io.elasticast.featurizer;

/**
 * The small part of what the featurizer remembers about one feed, read and written on every chunk
 * (Flink value state): the last sequence number taken, where the current run stands (its event-time
 * origin, samples, cumulative energy, zero-filled ranges), per frame shift the fbank carry-over and
 * the first frame still kept, per window policy its position, counters, and the feed's timers. The
 * frames themselves live in {@link FrameBlock}s ({@link FrameRing}). A Flink POJO.
 */
public class FeedCursor {

  /** No timer pending, or no time known yet. */
  public static final long NONE = Long.MIN_VALUE;

  /** Sequence number and event time (us) of the latest chunk taken; -1 before the first. */
  public long lastSequence = -1;
  public long lastStartMicros = -1;
  /** False before the first chunk and after a reset or idle flush: the next chunk starts a run. */
  public boolean started;
  /** Event time of sample 0 of the current run, microseconds since the epoch. */
  public long baseMicros;
  /** Samples of the current run (zero fill included). */
  public long samplesSeen;
  /** Sum of squared samples of the current run: window levels are differences of it. */
  public double energy;
  /** Zero-filled sample ranges of the current run as [start, end) pairs, oldest first. */
  public long[] zeroFilled = new long[0];
  /** One per distinct frame shift among the feed's policies, ascending. */
  public ScaleCursor[] scales = new ScaleCursor[0];
  /** One per window policy, in configuration order. */
  public PolicyCursor[] policies = new PolicyCursor[0];
  public FeedStats stats = new FeedStats();

  /** Event time (ms) just after the latest chunk taken: the feed is idle from here on. */
  public long lastChunkEndMillis = NONE;
  /** Event time (ms) of the latest idle flush, NONE while a run is open or before any. */
  public long flushedAtMillis = NONE;
  /** The one event-time timer this feed has pending (ms), or NONE. */
  public long eventTimerAt = NONE;
  /** The one processing-time timer this feed has pending (ms), or NONE. */
  public long wallTimerAt = NONE;
  /** Processing time (ms) the latest chunk taken arrived at. */
  public long lastArrivalMillis = NONE;

  public FeedCursor() {}

  /** One frame shift: fbank carry-over, the first frame still kept, energies at pending frame starts. */
  public static class ScaleCursor {
    public int frameShiftMs;
    public StreamingFbank.State fbank = new StreamingFbank.State();
    /** First frame of the run still held in the frame blocks. */
    public long firstKeptFrame;
    /**
     * The run's energy before the first sample of each frame that starts before
     * {@link FeedCursor#samplesSeen} but has not been computed yet (it needs later samples), in
     * frame order.
     */
    public double[] pendingStartEnergy = new double[0];

    public ScaleCursor() {}
  }

  /** Where one window policy stands. */
  public static class PolicyCursor {
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

    public PolicyCursor() {}

    PolicyCursor(String policy, long nextWindowSequence) {
      this.policy = policy;
      this.nextWindowSequence = nextWindowSequence;
    }
  }

  /** Per-feed counters (the operator also reports totals as Flink metrics). */
  public static class FeedStats {
    public long chunks;
    public long windows;
    public long frames;
    /** Chunks whose sequence number was taken already (a replay): dropped. */
    public long duplicates;
    public long gaps;
    public long resets;
    public long zeroFilledSamples;
    public long droppedShortSegments;
    /** Times the feed started over (the normaliser's RESTART, or a chunk that did not follow on). */
    public long restarts;
    /** Idle flushes: the feed went quiet and its open segments were ended. */
    public long idleFlushes;

    public FeedStats() {}

    public FeedStats copy() {
      FeedStats c = new FeedStats();
      c.chunks = chunks;
      c.windows = windows;
      c.frames = frames;
      c.duplicates = duplicates;
      c.gaps = gaps;
      c.resets = resets;
      c.zeroFilledSamples = zeroFilledSamples;
      c.droppedShortSegments = droppedShortSegments;
      c.restarts = restarts;
      c.idleFlushes = idleFlushes;
      return c;
    }
  }
}
