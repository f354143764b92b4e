package io.elasticast.featurizer;

import java.util.Arrays;

/**
 * Fbank over a stream that arrives in chunks of any size, giving exactly the frames of an offline
 * {@link FbankExtractor#extract} over the concatenated samples (with {@code snip_edges} every frame
 * depends only on its own samples, so the only carry-over is the tail that does not yet fill a
 * frame). Frames that lie wholly inside a chunk are computed in place; only frames that straddle a
 * chunk boundary are assembled in a scratch buffer.
 *
 * <p>The carry-over ({@link State}) is small (under one frame of samples) and can be exported and
 * imported, so the operator keeps it in Flink managed state.
 */
public final class StreamingFbank {

  /** Receives each new frame; {@code logMel[offset .. offset + bins)} is only valid during the call. */
  @FunctionalInterface
  public interface FrameSink {
    void accept(long frameIndex, float[] logMel, int offset);
  }

  /**
   * The stream position: frames emitted so far, samples seen so far, and the samples from the next
   * frame's start up to the end of what was seen (fewer than one frame; empty when the next frame
   * starts beyond what was seen, which happens when the shift is longer than the frame).
   */
  public static final class State {
    public long frameIndex;
    public long samplesSeen;
    public float[] pending = new float[0];

    public State() {}

    public State(long frameIndex, long samplesSeen, float[] pending) {
      this.frameIndex = frameIndex;
      this.samplesSeen = samplesSeen;
      this.pending = pending;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s && s.frameIndex == frameIndex && s.samplesSeen == samplesSeen
          && Arrays.equals(s.pending, pending);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(frameIndex) * 31 + Long.hashCode(samplesSeen);
    }
  }

  private final FbankExtractor extractor;
  private final int size;
  private final int shift;
  private final int bins;
  private final float[] straddle;
  private final float[] frameOut;
  private final float[] carry;
  private int carryLength;
  private long frameIndex;
  private long samplesSeen;

  public StreamingFbank(FbankExtractor extractor) {
    this.extractor = extractor;
    this.size = extractor.windowSize();
    this.shift = extractor.windowShift();
    this.bins = extractor.numMelBins();
    this.straddle = new float[size];
    this.frameOut = new float[bins];
    this.carry = new float[size];
  }

  public StreamingFbank(FbankExtractor extractor, State state) {
    this(extractor);
    restore(state);
  }

  /** Replaces the stream position with an exported one. */
  public void restore(State state) {
    long nextStart = state.frameIndex * shift;
    long expected = Math.max(0, state.samplesSeen - nextStart);
    if (state.pending.length != expected || state.pending.length >= size) {
      throw new IllegalArgumentException("inconsistent fbank state: " + state.pending.length
          + " pending samples for frame " + state.frameIndex + " after " + state.samplesSeen
          + " samples (expected " + expected + ", < " + size + ")");
    }
    frameIndex = state.frameIndex;
    samplesSeen = state.samplesSeen;
    carryLength = state.pending.length;
    System.arraycopy(state.pending, 0, carry, 0, carryLength);
  }

  /** A copy of the stream position. */
  public State state() {
    return new State(frameIndex, samplesSeen, Arrays.copyOf(carry, carryLength));
  }

  public long frameIndex() {
    return frameIndex;
  }

  public long samplesSeen() {
    return samplesSeen;
  }

  public FbankExtractor extractor() {
    return extractor;
  }

  /** Back to the start of a new stream (e.g. after a gap that resets the feed). */
  public void reset() {
    frameIndex = 0;
    samplesSeen = 0;
    carryLength = 0;
  }

  /** Feeds {@code chunk[offset .. offset + length)}; returns how many frames were emitted. */
  public int accept(float[] chunk, int offset, int length, FrameSink sink) {
    long chunkStart = samplesSeen;
    long chunkEnd = chunkStart + length;
    // carry holds samples [carryStart, chunkStart)
    long carryStart = chunkStart - carryLength;
    int emitted = 0;
    while (true) {
      long frameStart = frameIndex * shift;
      if (frameStart + size > chunkEnd) {
        break;
      }
      if (frameStart >= chunkStart) {
        extractor.computeFrame(chunk, offset + (int) (frameStart - chunkStart), frameOut, 0);
      } else {
        int fromCarry = (int) (chunkStart - frameStart);
        System.arraycopy(carry, (int) (frameStart - carryStart), straddle, 0, fromCarry);
        System.arraycopy(chunk, offset, straddle, fromCarry, size - fromCarry);
        extractor.computeFrame(straddle, 0, frameOut, 0);
      }
      sink.accept(frameIndex, frameOut, 0);
      frameIndex++;
      emitted++;
    }
    // keep [max(nextStart, carryStart), chunkEnd): fewer than `size` samples
    long keepFrom = Math.max(frameIndex * shift, carryStart);
    int keep = (int) Math.max(0, chunkEnd - keepFrom);
    if (keep > 0) {
      int fromCarry = (int) Math.max(0, chunkStart - keepFrom);
      // shift the retained carry tail to the front, then append from the chunk
      if (fromCarry > 0) {
        System.arraycopy(carry, (int) (keepFrom - carryStart), carry, 0, fromCarry);
      }
      int fromChunk = keep - fromCarry;
      System.arraycopy(chunk, offset + length - fromChunk, carry, fromCarry, fromChunk);
    }
    carryLength = keep;
    samplesSeen = chunkEnd;
    return emitted;
  }
}
