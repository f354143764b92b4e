package io.elasticast.featurizer;

/**
 * The frames of one feed at one frame shift that its window policies still need, as
 * {@link FrameBlock}s in a {@link FrameStore}: frames are appended in order, windows read any range
 * still kept, and blocks whose frames no policy needs any more are removed. Pure logic over the
 * store; it keeps no position of its own (the caller's {@link FeedCursor.ScaleCursor} does).
 *
 * <p>Within one call ({@link #begin} ... {@link #end}) the block being appended to is held here and
 * written back once at the end, so a chunk of several frames costs one read and one write of it.
 */
public final class FrameRing {

  private final int scale;
  private final int bins;
  private FrameStore store;
  private long tailBlock = -1;
  private FrameBlock tail;
  private boolean tailDirty;

  public FrameRing(int scale, int bins) {
    if (scale < 0 || scale >= FrameStore.MAX_SCALES) {
      throw new IllegalArgumentException("scale " + scale + " outside 0.." + (FrameStore.MAX_SCALES - 1));
    }
    this.scale = scale;
    this.bins = bins;
  }

  /** Starts a call on one feed's store. */
  public void begin(FrameStore store) {
    this.store = store;
    tailBlock = -1;
    tail = null;
    tailDirty = false;
  }

  /** Writes back the block appended to, and lets go of the store. */
  public void end() {
    if (tailDirty) {
      store.put(FrameStore.key(scale, tailBlock), tail);
    }
    store = null;
    tail = null;
    tailBlock = -1;
    tailDirty = false;
  }

  /** Stores frame {@code frame} (the next of the run): its log-mel values and cumulative energies. */
  public void append(long frame, float[] logMel, int offset, double energyBefore, double energyAfter) {
    long block = frame / FrameBlock.FRAMES;
    if (block != tailBlock) {
      if (tailDirty) {
        store.put(FrameStore.key(scale, tailBlock), tail);
      }
      tailBlock = block;
      tail = frame % FrameBlock.FRAMES == 0 ? null : store.get(FrameStore.key(scale, block));
      if (tail == null) {
        tail = FrameBlock.empty(bins);
      }
    }
    int i = (int) (frame % FrameBlock.FRAMES);
    System.arraycopy(logMel, offset, tail.logMel, i * bins, bins);
    tail.cumulativeEnergy[2 * i] = energyBefore;
    tail.cumulativeEnergy[2 * i + 1] = energyAfter;
    tailDirty = true;
  }

  /** Frames [from, from + count) as [count * bins] values (every one must still be kept). */
  public float[] read(long from, int count) {
    float[] out = new float[count * bins];
    long frame = from;
    int done = 0;
    while (done < count) {
      FrameBlock b = block(frame / FrameBlock.FRAMES);
      int i = (int) (frame % FrameBlock.FRAMES);
      int n = Math.min(FrameBlock.FRAMES - i, count - done);
      System.arraycopy(b.logMel, i * bins, out, done * bins, n * bins);
      done += n;
      frame += n;
    }
    return out;
  }

  /** The run's energy before frame {@code frame}'s first sample. */
  public double energyBefore(long frame) {
    return block(frame / FrameBlock.FRAMES).cumulativeEnergy[2 * (int) (frame % FrameBlock.FRAMES)];
  }

  /** The run's energy up to and including frame {@code frame}'s last sample. */
  public double energyAfter(long frame) {
    return block(frame / FrameBlock.FRAMES).cumulativeEnergy[2 * (int) (frame % FrameBlock.FRAMES) + 1];
  }

  /** Removes the blocks that hold only frames in [firstKept, keepFrom): nothing there is needed. */
  public void dropBefore(long firstKept, long keepFrom) {
    for (long b = firstKept / FrameBlock.FRAMES; b < keepFrom / FrameBlock.FRAMES; b++) {
      remove(b);
    }
  }

  /**
   * Removes every block that can still hold a frame of the run: frames [firstKept, end), and the
   * earlier frames of firstKept's block, which no pruning has removed yet.
   */
  public void clear(long firstKept, long end) {
    for (long b = firstKept / FrameBlock.FRAMES; b * FrameBlock.FRAMES < end; b++) {
      remove(b);
    }
  }

  private void remove(long block) {
    if (block == tailBlock) {
      tailBlock = -1;
      tail = null;
      tailDirty = false;
    }
    store.remove(FrameStore.key(scale, block));
  }

  private FrameBlock block(long block) {
    if (block == tailBlock) {
      return tail;
    }
    FrameBlock b = store.get(FrameStore.key(scale, block));
    if (b == null) {
      throw new IllegalStateException("frame block " + block + " of scale " + scale
          + " is not kept");
    }
    return b;
  }
}
