package io.elasticast.featurizer;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * Log-mel filterbank frames bit-close to {@code torchaudio.compliance.kaldi.fbank} with AST's
 * arguments: {@code htk_compat=True, use_energy=False, window_type='hanning', dither=0,
 * snip_edges=True, remove_dc_offset=True, preemphasis_coefficient=0.97, round_to_power_of_two=True,
 * use_power=True, use_log_fbank=True, low_freq=20, high_freq=0 (Nyquist)}, samples in [-1, 1].
 *
 * <p>Per frame: subtract the frame mean, pre-emphasise (the first sample against itself, as
 * torchaudio's replicate padding does), multiply by a symmetric Hann window
 * ({@code torch.hann_window(periodic=False)}), zero-pad to a power of two, real FFT, power
 * spectrum, mel filters, {@code log(max(x, float32 eps))}. All values are float32 like torch's.
 *
 * <p>Window, mel bank and FFT plan are built once per configuration; a frame allocates nothing.
 * Not thread-safe (scratch buffers): use one instance per thread/operator.
 */
public final class FbankExtractor {

  public static final float PREEMPHASIS = 0.97f;
  public static final float LOW_FREQ_HZ = 20.0f;
  /** Zero or negative: offset from Nyquist. */
  public static final float HIGH_FREQ_HZ = 0.0f;
  /** {@code torch.finfo(torch.float).eps}: floor of every mel energy before the log. */
  public static final float ENERGY_FLOOR = Math.ulp(1.0f);

  private final FbankConfig config;
  private final int windowSize;
  private final int windowShift;
  private final int paddedSize;
  private final float[] window;
  private final MelFilterBank melBank;
  private final DoubleFFT_1D fft;
  private final double[] fftBuffer;
  private final float[] power;

  public FbankExtractor(FbankConfig config) {
    this.config = config;
    this.windowSize = config.windowSize();
    this.windowShift = config.windowShift();
    this.paddedSize = config.paddedWindowSize();
    this.window = hannWindow(windowSize);
    this.melBank = new MelFilterBank(config.numMelBins(), paddedSize, config.sampleRate(),
        LOW_FREQ_HZ, HIGH_FREQ_HZ);
    this.fft = new DoubleFFT_1D(paddedSize);
    this.fftBuffer = new double[paddedSize];
    this.power = new float[paddedSize / 2 + 1];
  }

  /** torch.hann_window(n, periodic=False): 0.5 - 0.5 cos(2 pi i / (n - 1)). */
  static float[] hannWindow(int n) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) (0.5 - 0.5 * Math.cos(2.0 * Math.PI * i / (n - 1)));
    }
    return w;
  }

  public FbankConfig config() {
    return config;
  }

  public int numMelBins() {
    return config.numMelBins();
  }

  /** Samples per frame. */
  public int windowSize() {
    return windowSize;
  }

  /** Samples between frame starts. */
  public int windowShift() {
    return windowShift;
  }

  /**
   * Computes the frame that starts at {@code samples[offset]} ({@link #windowSize()} samples) into
   * {@code out[outOffset .. outOffset + numMelBins)}.
   */
  public void computeFrame(float[] samples, int offset, float[] out, int outOffset) {
    double[] buf = fftBuffer;
    // remove DC: frame mean in float32 (accumulated in double; torch's sum order differs anyway),
    // four partial sums so the adds do not wait on each other
    double s0 = 0.0;
    double s1 = 0.0;
    double s2 = 0.0;
    double s3 = 0.0;
    int i4 = 0;
    for (; i4 + 3 < windowSize; i4 += 4) {
      s0 += samples[offset + i4];
      s1 += samples[offset + i4 + 1];
      s2 += samples[offset + i4 + 2];
      s3 += samples[offset + i4 + 3];
    }
    for (; i4 < windowSize; i4++) {
      s0 += samples[offset + i4];
    }
    float mean = (float) ((s0 + s1 + s2 + s3) / windowSize);
    // pre-emphasis x[j] - 0.97 x[j-1], with x[-1] = x[0] (replicate padding), then the window
    float prev = samples[offset] - mean;
    for (int i = 0; i < windowSize; i++) {
      float x = samples[offset + i] - mean;
      buf[i] = (x - PREEMPHASIS * prev) * window[i];
      prev = x;
    }
    for (int i = windowSize; i < paddedSize; i++) {
      buf[i] = 0.0;
    }
    // JTransforms realForward packs [Re0, Re(n/2), Re1, Im1, Re2, Im2, ...]
    fft.realForward(buf);
    int half = paddedSize / 2;
    power[0] = (float) (buf[0] * buf[0]);
    power[half] = (float) (buf[1] * buf[1]);
    for (int k = 1; k < half; k++) {
      double re = buf[2 * k];
      double im = buf[2 * k + 1];
      power[k] = (float) (re * re + im * im);
    }
    melBank.apply(power, out, outOffset);
    int end = outOffset + config.numMelBins();
    for (int i = outOffset; i < end; i++) {
      out[i] = log(Math.max(out[i], ENERGY_FLOOR));
    }
  }

  private static final double LN2 = Math.log(2.0);
  /** Mantissa bits of sqrt(2): mantissas above it are halved so the series argument stays small. */
  private static final int SQRT2_MANTISSA = 0x3504f3;

  /**
   * Natural log of a normal positive float (mel energies are floored at eps, so always normal),
   * 3-4x cheaper than {@link Math#log} and within 1e-9 of it: x = m 2^e with m in [0.707, 1.414),
   * ln m = 2 atanh((m - 1) / (m + 1)) by its series to the 9th power (|s| < 0.172). Called 128 times
   * per frame, the log was a third of the frame's cost.
   */
  static float log(float x) {
    int bits = Float.floatToRawIntBits(x);
    int exponent = (bits >>> 23) - 127;
    int mantissa = bits & 0x7fffff;
    if (mantissa > SQRT2_MANTISSA) {
      mantissa |= 0x3f000000;
      exponent++;
    } else {
      mantissa |= 0x3f800000;
    }
    double m = Float.intBitsToFloat(mantissa);
    double s = (m - 1.0) / (m + 1.0);
    double s2 = s * s;
    double lnM = 2.0 * s * (1.0 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9)))));
    return (float) (exponent * LN2 + lnM);
  }

  /** Offline extraction of a whole clip: [frames * numMelBins], frame-major. */
  public float[] extract(float[] samples) {
    return extract(samples, 0, samples.length);
  }

  /** Offline extraction of {@code samples[offset .. offset + length)}. */
  public float[] extract(float[] samples, int offset, int length) {
    int frames = (int) config.framesFor(length);
    int bins = config.numMelBins();
    float[] out = new float[frames * bins];
    for (int f = 0; f < frames; f++) {
      computeFrame(samples, offset + f * windowShift, out, f * bins);
    }
    return out;
  }

  MelFilterBank melBank() {
    return melBank;
  }
}
