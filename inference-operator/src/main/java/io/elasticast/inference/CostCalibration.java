package io.elasticast.inference;

import io.elasticast.schemas.SpectrogramWindow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Measures {@link PackPlanner.CostModel} on the session that will serve: a short set of
 * synthetic calls chosen so that each term of the model shapes at least one of them (1 s windows
 * at six call sizes, one window alone among them, 10 s rows, 4 s rows, several windows per row,
 * padded rows, long and short windows in one call), timed in interleaved rounds with each call's fastest run counting, then a
 * non-negative least-squares fit of the five terms, weighted so that every call counts by its
 * relative error. Runs once per session and thread count ({@link OrtClassifier#costModel()}):
 * {@code 1 + REPEATS} passes over twelve calls of 48 to 3,072 slots, about a second on this
 * project's 2-core machine when it is quiet.
 */
public final class CostCalibration {

  /** Timed runs per calibration call; the fastest counts (the least disturbed by other work). */
  static final int REPEATS = 4;

  /** One calibration call: rows of windows of the given token counts. */
  record Probe(String name, int[][] rows) {

    int width() {
      return Arrays.stream(rows).mapToInt(r -> Arrays.stream(r).sum()).max().orElse(0);
    }

    int tokens() {
      return Arrays.stream(rows).flatMapToInt(Arrays::stream).sum();
    }

    int windows() {
      return Arrays.stream(rows).mapToInt(r -> r.length).sum();
    }

    /** The terms of {@link PackPlanner.CostModel} for this call: call, T, R·L, R·L², N·T. */
    double[] terms() {
      double slots = (double) rows.length * width();
      return new double[] {1, tokens(), slots, slots * width(), (double) windows() * tokens()};
    }
  }

  /** What was measured and what was fitted. */
  public record Result(PackPlanner.CostModel model, List<String> probes, double[] measured,
      double[] predicted) {

    /** Largest |predicted − measured| / measured over the probes. */
    public double worstRelativeError() {
      double worst = 0;
      for (int i = 0; i < measured.length; i++) {
        worst = Math.max(worst, Math.abs(predicted[i] - measured[i]) / measured[i]);
      }
      return worst;
    }
  }

  private CostCalibration() {}

  /**
   * The probes for a model whose rows hold up to {@code maxRowTokens} tokens and whose time
   * patches are {@code freq} tokens (1 s at 10 ms is 6 time patches, 10 s 62).
   */
  static List<Probe> probes(int freq, int maxRowTokens) {
    int one = 6 * freq;                                // 1 s @10 ms
    int ten = Math.min(62 * freq, maxRowTokens);       // 10 s @10 ms
    int four = Math.min(12 * freq, maxRowTokens);      // 4 s @20 ms
    List<Probe> p = new ArrayList<>();
    // call size: how fixed costs, thread wake-ups and pooling over the whole call add up; the
    // calls of one and two windows pin the fixed cost itself, which the fit would otherwise take
    // from the intercept of larger calls only (twice what one window alone costs, once)
    for (int n : new int[] {1, 2, 4, 16, 32, 64}) {
      p.add(new Probe(n + " x 1 s", repeat(n, new int[] {one})));
    }
    // row width: attention grows with L²
    p.add(new Probe("1 x 10 s", new int[][] {{ten}}));
    p.add(new Probe("4 x 10 s", repeat(4, new int[] {ten})));
    p.add(new Probe("16 x 4 s", repeat(16, new int[] {four})));
    // several windows per row: attention over the whole row, pooling per window
    int perRow = Math.max(1, ten / one);
    int[] shared = new int[perRow];
    Arrays.fill(shared, one);
    p.add(new Probe(perRow + " x 1 s in one row", new int[][] {shared}));
    // rows padded far past their windows: what a padding slot costs
    int[][] padded = repeat(4, new int[] {one});
    padded[0] = new int[] {ten};
    p.add(new Probe("1 x 10 s + 3 x 1 s padded to 10 s", padded));
    p.add(new Probe("2 x 10 s + 2 x 1 s", concat(repeat(2, new int[] {ten}), repeat(2, new int[] {one}))));
    return p;
  }

  private static int[][] repeat(int n, int[] row) {
    int[][] rows = new int[n][];
    Arrays.fill(rows, row);
    return rows;
  }

  private static int[][] concat(int[][] a, int[][] b) {
    int[][] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Times the probes on {@code runner} and fits the cost model. */
  public static Result calibrate(PackedRunner runner, ModelConfig config) {
    Patchifier patchifier = new Patchifier(config, Patchifier.FeatureScale.NORMALISED);
    PackedBatchEncoder encoder = new PackedBatchEncoder(patchifier);
    int freq = config.freqPositions();
    List<Probe> probes = probes(freq, config.maxTokensPerWindow());
    Random rnd = new Random(11);
    double[] measured = new double[probes.size()];
    Arrays.fill(measured, Double.MAX_VALUE);
    List<String> names = new ArrayList<>();
    List<List<SpectrogramWindow>> windowsOf = new ArrayList<>();
    List<PackPlanner.Call> calls = new ArrayList<>();
    for (Probe probe : probes) {
      names.add(probe.name());
      List<SpectrogramWindow> windows = new ArrayList<>();
      List<PackPlanner.Row> rows = new ArrayList<>();
      for (int[] row : probe.rows()) {
        int[] ids = new int[row.length];
        for (int k = 0; k < row.length; k++) {
          ids[k] = windows.size();
          windows.add(window(row[k] / freq * config.patchSize(), config.numMelBins(), rnd));
        }
        rows.add(new PackPlanner.Row(ids, Arrays.stream(row).sum()));
      }
      windowsOf.add(windows);
      calls.add(new PackPlanner.Call(probe.width(), rows, probe.tokens()));
    }
    // rounds over all probes (a passing disturbance hits them alike); round -1 warms each shape up;
    // each probe's fastest run counts, since other work only ever adds time
    for (int r = -1; r < REPEATS; r++) {
      for (int i = 0; i < probes.size(); i++) {
        PackedBatchEncoder.PackedBatch batch = encoder.encode(windowsOf.get(i), calls.get(i));
        long start = System.nanoTime();
        runner.run(batch);
        double s = (System.nanoTime() - start) / 1e9;
        if (r >= 0) {
          measured[i] = Math.min(measured[i], s);
        }
      }
    }
    double[][] terms = probes.stream().map(Probe::terms).toArray(double[][]::new);
    double[] coef = fit(terms, measured);
    PackPlanner.CostModel model = new PackPlanner.CostModel(coef[0], coef[1], coef[2], coef[3], coef[4]);
    double[] predicted = new double[probes.size()];
    for (int i = 0; i < predicted.length; i++) {
      predicted[i] = dot(terms[i], coef);
    }
    return new Result(model, names, measured, predicted);
  }

  private static SpectrogramWindow window(int frames, int bins, Random rnd) {
    float[] data = new float[frames * bins];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) rnd.nextGaussian();
    }
    return new SpectrogramWindow("calibration", 0, "calibration", 0, 0, 10, frames, bins, false, data);
  }

  /**
   * Non-negative least squares of {@code y ≈ X·c} with each row weighted by 1/y (relative error):
   * the unconstrained fit on the terms still free, any negative coefficient pinned to 0, again.
   */
  static double[] fit(double[][] x, double[] y) {
    int p = x[0].length;
    boolean[] free = new boolean[p];
    Arrays.fill(free, true);
    double[] c = new double[p];
    for (int round = 0; round < p; round++) {
      c = solveWeighted(x, y, free);
      boolean changed = false;
      for (int j = 0; j < p; j++) {
        if (free[j] && c[j] < 0) {
          free[j] = false;
          changed = true;
        }
      }
      if (!changed) {
        break;
      }
    }
    for (int j = 0; j < p; j++) {
      c[j] = free[j] ? Math.max(0, c[j]) : 0;
    }
    return c;
  }

  private static double[] solveWeighted(double[][] x, double[] y, boolean[] free) {
    int p = x[0].length;
    int[] cols = java.util.stream.IntStream.range(0, p).filter(j -> free[j]).toArray();
    int k = cols.length;
    double[][] a = new double[k][k + 1];
    // columns scaled to unit size so that terms of very different magnitude stay well conditioned
    double[] scale = new double[k];
    for (int u = 0; u < k; u++) {
      for (int i = 0; i < y.length; i++) {
        scale[u] = Math.max(scale[u], Math.abs(x[i][cols[u]] / y[i]));
      }
      scale[u] = scale[u] == 0 ? 1 : scale[u];
    }
    for (int i = 0; i < y.length; i++) {
      double w = 1 / y[i];
      for (int u = 0; u < k; u++) {
        double xu = x[i][cols[u]] * w / scale[u];
        for (int v = 0; v < k; v++) {
          a[u][v] += xu * x[i][cols[v]] * w / scale[v];
        }
        a[u][k] += xu * y[i] * w;
      }
    }
    double[] sol = gauss(a);
    double[] c = new double[p];
    for (int u = 0; u < k; u++) {
      c[cols[u]] = sol[u] / scale[u];
    }
    return c;
  }

  /** Gaussian elimination with partial pivoting on an augmented k×(k+1) matrix (tiny ridge for rank). */
  private static double[] gauss(double[][] a) {
    int k = a.length;
    for (int i = 0; i < k; i++) {
      a[i][i] += 1e-9;
    }
    for (int col = 0; col < k; col++) {
      int pivot = col;
      for (int r = col + 1; r < k; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
          pivot = r;
        }
      }
      double[] t = a[col];
      a[col] = a[pivot];
      a[pivot] = t;
      for (int r = 0; r < k; r++) {
        if (r != col && a[col][col] != 0) {
          double f = a[r][col] / a[col][col];
          for (int c = col; c <= k; c++) {
            a[r][c] -= f * a[col][c];
          }
        }
      }
    }
    double[] out = new double[k];
    for (int i = 0; i < k; i++) {
      out[i] = a[i][i] == 0 ? 0 : a[i][k] / a[i][i];
    }
    return out;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
