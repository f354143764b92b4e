package io.elasticast.featurizer;

/**
 * Signal level in dB relative to full scale: 10·log10 of the mean square, so a full-scale square
 * wave is 0 dBFS and a full-scale sine about -3 dBFS. Digital silence is floored at
 * {@link #FLOOR_DBFS} rather than minus infinity, so levels stay plottable numbers.
 */
public final class AudioLevel {

  public static final double FLOOR_DBFS = -120.0;

  private AudioLevel() {}

  /** The level of {@code samples[from, to)}; {@link #FLOOR_DBFS} for an empty range. */
  public static double dbfs(float[] samples, int from, int to) {
    if (to <= from) {
      return FLOOR_DBFS;
    }
    return dbfsOfMeanSquare(sumOfSquares(samples, from, to) / (to - from));
  }

  public static double sumOfSquares(float[] samples, int from, int to) {
    double sum = 0;
    for (int i = from; i < to; i++) {
      double v = samples[i];
      sum += v * v;
    }
    return sum;
  }

  public static double dbfsOfMeanSquare(double meanSquare) {
    if (!(meanSquare > 0)) {
      return FLOOR_DBFS;
    }
    return Math.max(FLOOR_DBFS, 10.0 * Math.log10(meanSquare));
  }
}
