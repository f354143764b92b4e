package io.elasticast.ingest;

import java.util.Arrays;

/**
 * Band-limited sample-rate conversion by a Kaiser-windowed sinc evaluated in polyphase form, for
 * one fixed input/output rate pair. Immutable and shareable; the per-stream part lives in
 * {@link State}, so a feed's filter history can be kept in a state store and carried across chunks
 * (a chunk boundary then changes nothing in the output).
 *
 * <p>Output sample {@code n} sits exactly at input position {@code n * inRate / outRate} (zero
 * delay, like sox's linear-phase {@code rate}); it is produced once the input reaches half a
 * filter length past that position, so a stream's output trails its input by {@link #lookahead()}
 * input samples.
 */
public final class PolyphaseResampler {

  /** Stop-band attenuation the Kaiser window is designed for; passband ripple is about 1e-5. */
  public static final double STOPBAND_ATTENUATION_DB = 100.0;
  /**
   * Transition width as a fraction of the lower rate's Nyquist frequency, centred on it. Aliases
   * therefore land only in the top 10 % of the output band, above the passband (0..0.9 Nyquist).
   */
  public static final double TRANSITION_FRACTION = 0.2;
  /** Above this many phases the table is sampled this finely and linearly interpolated. */
  public static final int MAX_PHASES = 1024;

  private final int inRate;
  private final int outRate;
  private final long up;
  private final long down;
  private final int taps;
  private final int phases;
  private final boolean exactPhases;
  private final float[] table; // [(phases + 1) * taps], row p is the filter at fractional delay p/phases

  public PolyphaseResampler(int inRate, int outRate) {
    if (inRate <= 0 || outRate <= 0) {
      throw new IllegalArgumentException("rates must be positive: " + inRate + " -> " + outRate);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    long g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;

    double nyquistLow = Math.min(inRate, outRate) / 2.0;
    double cutoff = nyquistLow / inRate; // cycles per input sample
    double transition = 2 * Math.PI * TRANSITION_FRACTION * nyquistLow / inRate; // rad per input sample
    // Kaiser's length estimate for the wanted attenuation and transition width.
    int length = (int) Math.ceil((STOPBAND_ATTENUATION_DB - 8) / (2.285 * transition));
    this.taps = Math.max(2, length + (length & 1));
    this.exactPhases = up <= MAX_PHASES;
    this.phases = exactPhases ? (int) up : MAX_PHASES;

    double beta = 0.1102 * (STOPBAND_ATTENUATION_DB - 8.7);
    double half = taps / 2.0;
    double i0Beta = besselI0(beta);
    this.table = new float[(phases + 1) * taps];
    for (int p = 0; p <= phases; p++) {
      double frac = (double) p / phases;
      for (int j = 0; j < taps; j++) {
        double t = frac + half - 1 - j; // distance from the output position to tap j, in input samples
        double x = t / half;
        double window = Math.abs(x) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - x * x)) / i0Beta;
        table[p * taps + j] = (float) (2 * cutoff * sinc(2 * cutoff * t) * window);
      }
    }
  }

  public int inRate() {
    return inRate;
  }

  public int outRate() {
    return outRate;
  }

  /** Filter length in input samples. */
  public int taps() {
    return taps;
  }

  /** Input samples past an output position needed before that output can be produced. */
  public int lookahead() {
    return taps / 2;
  }

  /** Per-stream filter history: where the next output falls and the input it still needs. */
  public static final class State {
    long nextOutput;
    long historyStart; // absolute input index of history[0]
    float[] history;
    int historyLength;

    public State(long nextOutput, long historyStart, float[] history) {
      this.nextOutput = nextOutput;
      this.historyStart = historyStart;
      this.history = history;
      this.historyLength = history.length;
    }

    /** Index (at the output rate, from the stream's origin) of the next output sample. */
    public long nextOutput() {
      return nextOutput;
    }

    public long historyStart() {
      return historyStart;
    }

    public float[] history() {
      return Arrays.copyOf(history, historyLength);
    }
  }

  /** A fresh stream: silence before input index 0. */
  public State newState() {
    int pad = lookahead();
    return new State(0, -pad, new float[pad]);
  }

  /** Appends {@code input} to the stream and returns every output sample that is now complete. */
  public float[] process(State state, float[] input) {
    append(state, input);
    long available = state.historyStart + state.historyLength; // exclusive end, absolute
    long limit = available - lookahead();
    long end = limit <= 0 ? 0 : ceilDiv(limit * up, down);
    int count = (int) Math.max(0, end - state.nextOutput);
    float[] out = new float[count];
    int half = lookahead();
    for (int i = 0; i < count; i++) {
      long position = state.nextOutput * down;
      long whole = position / up;
      long rem = position % up;
      int first = (int) (whole - half + 1 - state.historyStart);
      out[i] = filterAt(state.history, first, rem);
      state.nextOutput++;
    }
    discardConsumed(state);
    return out;
  }

  /**
   * Resamples a self-contained piece (silence before and after), giving
   * {@code ceil(length * outRate / inRate)} samples aligned with its first input sample.
   */
  public float[] processWhole(float[] input) {
    State state = newState();
    float[] padded = Arrays.copyOf(input, input.length + lookahead());
    float[] out = process(state, padded);
    int wanted = (int) ceilDiv((long) input.length * up, down);
    return out.length == wanted ? out : Arrays.copyOf(out, wanted);
  }

  private float filterAt(float[] x, int first, long rem) {
    if (exactPhases) {
      return dot(x, first, (int) rem * taps);
    }
    double phasePos = (double) rem * phases / up;
    int p0 = (int) phasePos;
    float w = (float) (phasePos - p0);
    float a = dot(x, first, p0 * taps);
    float b = dot(x, first, (p0 + 1) * taps);
    return a + w * (b - a);
  }

  // Four accumulators: the JIT cannot reorder a float reduction, so this is what makes it fast.
  private float dot(float[] x, int xOff, int hOff) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    float[] h = table;
    int j = 0;
    for (; j + 3 < taps; j += 4) {
      s0 += x[xOff + j] * h[hOff + j];
      s1 += x[xOff + j + 1] * h[hOff + j + 1];
      s2 += x[xOff + j + 2] * h[hOff + j + 2];
      s3 += x[xOff + j + 3] * h[hOff + j + 3];
    }
    for (; j < taps; j++) {
      s0 += x[xOff + j] * h[hOff + j];
    }
    return (s0 + s1) + (s2 + s3);
  }

  private static void append(State state, float[] input) {
    int needed = state.historyLength + input.length;
    if (needed > state.history.length) {
      state.history = Arrays.copyOf(state.history, Math.max(needed, state.history.length * 2));
    }
    System.arraycopy(input, 0, state.history, state.historyLength, input.length);
    state.historyLength = needed;
  }

  /** Keeps only the input that the next output's taps reach back to. */
  private void discardConsumed(State state) {
    long firstNeeded = state.nextOutput * down / up - lookahead() + 1;
    int drop = (int) Math.min(state.historyLength, Math.max(0, firstNeeded - state.historyStart));
    if (drop > 0) {
      System.arraycopy(state.history, drop, state.history, 0, state.historyLength - drop);
      state.historyLength -= drop;
      state.historyStart += drop;
    }
  }

  private static double sinc(double x) {
    if (x == 0) {
      return 1;
    }
    double px = Math.PI * x;
    return Math.sin(px) / px;
  }

  /** Zeroth-order modified Bessel function of the first kind, by its power series. */
  static double besselI0(double x) {
    double sum = 1;
    double term = 1;
    double q = x * x / 4;
    for (int k = 1; k < 200; k++) {
      term *= q / ((double) k * k);
      sum += term;
      if (term < sum * 1e-17) {
        break;
      }
    }
    return sum;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }
}
