package io.elasticast.featurizer;

/**
 * One Kaldi-fbank configuration as AST uses it: 25 ms Hanning frames, a frame shift that sets the
 * model's time resolution, and a mel bin count. Everything else is torchaudio's default and fixed
 * in {@link FbankExtractor}.
 *
 * <p>Sizes are derived exactly as {@code torchaudio.compliance.kaldi} does
 * ({@code int(sample_frequency * ms * 0.001)}), so e.g. 25 ms at 16 kHz is 400 samples padded to a
 * 512-point FFT.
 */
public record FbankConfig(int sampleRate, double frameLengthMs, int frameShiftMs, int numMelBins) {

  public static final int DEFAULT_SAMPLE_RATE = io.elasticast.schemas.NormalisedAudio.SAMPLE_RATE;
  public static final double DEFAULT_FRAME_LENGTH_MS = 25.0;
  public static final int DEFAULT_FRAME_SHIFT_MS = 10;
  public static final int DEFAULT_MEL_BINS = 128;
  /** The frame shifts the model is trained on span this range ("resolution"). */
  public static final int MIN_FRAME_SHIFT_MS = 1;
  public static final int MAX_FRAME_SHIFT_MS = 1000;

  public FbankConfig {
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
    }
    if (frameShiftMs < MIN_FRAME_SHIFT_MS || frameShiftMs > MAX_FRAME_SHIFT_MS) {
      throw new IllegalArgumentException("frame shift must be " + MIN_FRAME_SHIFT_MS + ".."
          + MAX_FRAME_SHIFT_MS + " ms, got " + frameShiftMs);
    }
    // get_mel_banks asserts num_bins > 3
    if (numMelBins < 4) {
      throw new IllegalArgumentException("need at least 4 mel bins, got " + numMelBins);
    }
    int size = (int) (sampleRate * frameLengthMs * 0.001);
    if (size < 2) {
      throw new IllegalArgumentException("frame length " + frameLengthMs + " ms gives " + size
          + " samples at " + sampleRate + " Hz; need at least 2");
    }
  }

  /** The AST configuration at 16 kHz for a frame shift and mel bin count. */
  public static FbankConfig ast(int frameShiftMs, int numMelBins) {
    return new FbankConfig(DEFAULT_SAMPLE_RATE, DEFAULT_FRAME_LENGTH_MS, frameShiftMs, numMelBins);
  }

  /** Samples per frame ({@code window_size}). */
  public int windowSize() {
    return (int) (sampleRate * frameLengthMs * 0.001);
  }

  /** Samples between frame starts ({@code window_shift}). */
  public int windowShift() {
    return (int) (sampleRate * (double) frameShiftMs * 0.001);
  }

  /** FFT length: the window size rounded up to a power of two. */
  public int paddedWindowSize() {
    int size = windowSize();
    return Integer.highestOneBit(size - 1) << 1;
  }

  /** Frames that {@code snip_edges=True} yields for a clip: only frames that fit completely. */
  public long framesFor(long numSamples) {
    return numSamples < windowSize() ? 0 : 1 + (numSamples - windowSize()) / windowShift();
  }
}
