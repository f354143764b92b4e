package io.elasticast.featurizer;

/**
 * {@link #FRAMES} consecutive log-mel frames of one feed at one frame shift: the unit a feed's
 * frames are stored in (one Flink map-state entry), so that a chunk appends to its last block and a
 * window reads a few blocks, and neither rewrites the rest of the feed. A Flink POJO.
 */
public class FrameBlock {

  /** Frames per block: one patch of the model, so a window of whole patches spans few blocks. */
  public static final int FRAMES = WindowPolicy.PATCH_FRAMES;

  /** [FRAMES * bins], frame-major; frames past the run's end are zeros. */
  public float[] logMel;
  /**
   * Per frame i: [2i] the energy (sum of squared samples) of the run before the frame's first
   * sample, [2i + 1] before the sample just after its last. A window's level is the difference of
   * its last frame's end and its first frame's start.
   */
  public double[] cumulativeEnergy;

  public FrameBlock() {}

  public static FrameBlock empty(int bins) {
    FrameBlock b = new FrameBlock();
    b.logMel = new float[FRAMES * bins];
    b.cumulativeEnergy = new double[2 * FRAMES];
    return b;
  }
}
