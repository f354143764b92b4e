package io.elasticast.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.elasticast.featurizer.SpectrogramWindow;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The three ONNX Runtime serving layouts that {@code elasticast bench inference} compares on one
 * session, and the workloads and FLOP counts it reports. Each {@code run*} method classifies a
 * whole workload once and returns the seconds it took.
 *
 * <ul>
 *   <li><b>one</b>: one window per call (one row of its own length);
 *   <li><b>padded</b>: batches of {@link #PADDED_BATCH} windows in arrival order, each padded with
 *       filler tokens to the longest of its batch — the filler goes through every layer, as in
 *       fixed-shape serving, and is masked out of the real windows (its own sample id);
 *   <li><b>packed</b>: what the operator does under load: windows in arrival order fill the token
 *       budget, and {@link PackPlanner} lays out each batch.
 * </ul>
 */
public final class InferenceBenchmark {

  public static final int PADDED_BATCH = 8;
  public static final int[] FRAME_SHIFTS_MS = {10, 15, 20, 25, 30, 35, 40};
  private static final int SAMPLE_RATE = 16_000;
  private static final int FRAME_SAMPLES = 400;

  /** A named, fixed list of windows. */
  public record Workload(String name, List<SpectrogramWindow> windows) {

    public double audioSeconds() {
      double s = 0;
      for (SpectrogramWindow w : windows) {
        s += (w.endMicros - w.startMicros) / 1e6;
      }
      return s;
    }
  }

  /** Seconds and token accounting of one packed pass. */
  public record PackedRun(double seconds, long tokens, long slots, int calls) {

    public double utilisation() {
      return (double) tokens / slots;
    }
  }

  private final OrtClassifier runtime;
  private final Patchifier patchifier;
  private final PackPlanner planner;
  private final PackedBatchEncoder encoder;
  private final int tokenBudget;
  private final int patchValues;
  private FloatBuffer paddedPatches;
  private LongBuffer paddedFreq;
  private LongBuffer paddedTime;
  private LongBuffer paddedIds;
  private LongBuffer paddedRows;

  public InferenceBenchmark(OrtClassifier runtime, int tokenBudget) {
    ModelConfig config = runtime.config();
    this.runtime = runtime;
    this.patchifier = new Patchifier(config, Patchifier.FeatureScale.RAW_LOG_MEL);
    this.planner = WindowClassifier.defaultPlanner(config, tokenBudget);
    this.encoder = new PackedBatchEncoder(patchifier);
    this.tokenBudget = tokenBudget;
    this.patchValues = patchifier.patchValues();
  }

  // workloads

  /** {@code count} windows of 0.5–10 s at frame shifts 10–40 ms, each at least one patch long. */
  public static Workload mixed(int count, long seed, int bins) {
    Random rnd = new Random(seed);
    List<SpectrogramWindow> out = new ArrayList<>();
    while (out.size() < count) {
      int shift = FRAME_SHIFTS_MS[rnd.nextInt(FRAME_SHIFTS_MS.length)];
      double seconds = 0.5 + 9.5 * rnd.nextDouble();
      SpectrogramWindow w = window(out.size(), seconds, shift, bins, rnd);
      if (w.frames >= 16) { // 0.5 s at 40 ms is 12 frames: less than one patch, drawn again
        out.add(w);
      }
    }
    return new Workload("mixed 0.5-10 s @10-40 ms", out);
  }

  /** {@code count} windows of 1 s at 10 ms: the common monitoring case. */
  public static Workload oneSecond(int count, long seed, int bins) {
    Random rnd = new Random(seed);
    List<SpectrogramWindow> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(window(i, 1.0, 10, bins, rnd));
    }
    return new Workload("1 s @10 ms", out);
  }

  private static SpectrogramWindow window(int index, double seconds, int shiftMs, int bins,
      Random rnd) {
    int samples = (int) Math.round(seconds * SAMPLE_RATE);
    int frames = 1 + (samples - FRAME_SAMPLES) / (SAMPLE_RATE / 1000 * shiftMs);
    float[] data = new float[frames * bins];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (-4.3 + 4.6 * rnd.nextGaussian());
    }
    return new SpectrogramWindow("bench-" + index % 50, index, "bench", 0,
        samples * 1_000_000L / SAMPLE_RATE, shiftMs, frames, bins, false, data);
  }

  // layouts

  public double runOne(Workload w) {
    long start = System.nanoTime();
    List<SpectrogramWindow> windows = w.windows();
    for (int i = 0; i < windows.size(); i++) {
      int t = patchifier.tokens(windows.get(i));
      PackPlanner.Call call = new PackPlanner.Call(t,
          List.of(new PackPlanner.Row(new int[] {i}, t)), t);
      runtime.run(encoder.encode(windows, call));
    }
    return (System.nanoTime() - start) / 1e9;
  }

  public double runPadded(Workload w) {
    long start = System.nanoTime();
    List<SpectrogramWindow> windows = w.windows();
    for (int i = 0; i < windows.size(); i += PADDED_BATCH) {
      runtime.run(encodePadded(windows.subList(i, Math.min(windows.size(), i + PADDED_BATCH))));
    }
    return (System.nanoTime() - start) / 1e9;
  }

  public PackedRun runPacked(Workload w) {
    long start = System.nanoTime();
    long tokens = 0;
    long slots = 0;
    int calls = 0;
    List<SpectrogramWindow> windows = w.windows();
    int from = 0;
    while (from < windows.size()) {
      // arrival order until the budget is full, as PackingQueue.takeBatch does under load
      int to = from;
      int budget = 0;
      while (to < windows.size()
          && (to == from || budget + patchifier.tokens(windows.get(to)) <= tokenBudget)) {
        budget += patchifier.tokens(windows.get(to++));
      }
      List<SpectrogramWindow> batch = windows.subList(from, to);
      int[] counts = batch.stream().mapToInt(patchifier::tokens).toArray();
      PackPlanner.Plan plan = planner.plan(counts);
      for (PackPlanner.Call call : plan.calls()) {
        runtime.run(encoder.encode(batch, call));
        tokens += call.tokens();
        slots += call.slots();
        calls++;
      }
      from = to;
    }
    return new PackedRun((System.nanoTime() - start) / 1e9, tokens, slots, calls);
  }

  /**
   * Each window in its own row, padded with filler tokens (own sample id) to the batch's longest.
   * {@code windowOrder} holds the batch index of each sample id, -1 for a filler sample.
   */
  PackedBatchEncoder.PackedBatch encodePadded(List<SpectrogramWindow> batch) {
    int width = 0;
    for (SpectrogramWindow w : batch) {
      width = Math.max(width, patchifier.tokens(w));
    }
    int total = width * batch.size();
    if (paddedPatches == null || paddedFreq.capacity() < total) {
      paddedPatches = ByteBuffer.allocateDirect(total * patchValues * 4)
          .order(ByteOrder.nativeOrder()).asFloatBuffer();
      paddedFreq = longs(total);
      paddedTime = longs(total);
      paddedIds = longs(total);
      paddedRows = longs(total);
    }
    int freqPositions = patchifier.freqPositions();
    int token = 0;
    int sample = 0;
    List<Integer> owners = new ArrayList<>();
    for (int b = 0; b < batch.size(); b++) {
      SpectrogramWindow w = batch.get(b);
      int n = patchifier.tokens(w);
      owners.add(b);
      if (n < width) {
        owners.add(-1);
      }
      patchifier.write(w, paddedPatches, paddedFreq, paddedTime, token);
      for (int i = 0; i < width; i++) {
        if (i == n) {
          sample++; // the filler is a sample of its own: masked from the window, scored apart
        }
        if (i >= n) {
          for (int v = 0; v < patchValues; v++) {
            paddedPatches.put((token + i) * patchValues + v, 0f);
          }
          paddedFreq.put(token + i, i % freqPositions);
          paddedTime.put(token + i, i / freqPositions);
        }
        paddedIds.put(token + i, sample);
        paddedRows.put(token + i, token + i);
      }
      token += width;
      sample++;
    }
    int[] order = owners.stream().mapToInt(Integer::intValue).toArray();
    return new PackedBatchEncoder.PackedBatch(total, batch.size(), width, order,
        paddedPatches.duplicate().position(0).limit(total * patchValues).slice(),
        view(paddedFreq, total), view(paddedTime, total), view(paddedIds, total),
        view(paddedRows, total));
  }

  private static LongBuffer view(LongBuffer b, int n) {
    return b.duplicate().position(0).limit(n).slice();
  }

  private static LongBuffer longs(int n) {
    return ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
  }

  // accounting

  /**
   * FLOPs (2 per multiply-add) of classifying every window alone, unpadded: the useful work.
   * Per window of L tokens: patch embedding 2·256·d·L; per block 2·12·d²·L (qkv, proj, MLP)
   * plus 2·2·L²·d (QKᵀ and AV); attention pooling 2·2·d²·L.
   */
  public long usefulFlops(Workload w) {
    ModelConfig c = runtime.config();
    double d = c.dModel();
    double perToken = linearFlopsPerToken();
    double flops = 0;
    for (SpectrogramWindow window : w.windows()) {
      double l = patchifier.tokens(window);
      flops += perToken * l + c.depth() * 4 * l * l * d;
    }
    return (long) flops;
  }

  public long tokens(Workload w) {
    return w.windows().stream().mapToLong(patchifier::tokens).sum();
  }

  /**
   * GFLOP/s of a plain ORT MatMul [m, k] x [k, n] ({@code onnx} holds the [k, n] constant) on
   * the same thread count: the machine's practical limit for this model's GEMMs. One sample is
   * {@code repeats} back-to-back runs after a warm-up, timed together, as a workload pass runs its
   * calls: on this machine the same MatMul timed one run at a time, after a pause, ran at 200-230
   * GFLOP/s, back to back at 300-370 (the thread pool and caches stay warm).
   */
  public static double matmulGflops(Path onnx, int m, int k, int threads, int repeats, int n) {
    return backToBackGflops(onnx, m, k, 2.0 * k * n, threads, repeats);
  }

  /** FLOPs per token of the model's linear layers: what {@link #usefulFlops} counts besides attention. */
  public double linearFlopsPerToken() {
    ModelConfig c = runtime.config();
    double d = c.dModel();
    return 2 * patchValues * d + c.depth() * 2 * 12 * d * d + 4 * d * d;
  }

  /**
   * GFLOP/s of a graph with one float input "a" [m, width], {@code flopsPerRow} per input row, run
   * {@code repeats} times back to back on {@code threads} threads after three warm-up runs.
   */
  public static double backToBackGflops(Path onnx, int m, int width, double flopsPerRow,
      int threads, int repeats) {
    OrtEnvironment env = OrtClassifier.environment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(threads);
      so.setInterOpNumThreads(1);
      try (OrtSession session = env.createSession(onnx.toString(), so)) {
        FloatBuffer a = ByteBuffer.allocateDirect(m * width * 4).order(ByteOrder.nativeOrder())
            .asFloatBuffer();
        Random rnd = new Random(3);
        for (int i = 0; i < m * width; i++) {
          a.put(i, (float) rnd.nextGaussian());
        }
        long start = 0;
        for (int r = -3; r < repeats; r++) {
          if (r == 0) {
            start = System.nanoTime();
          }
          try (OnnxTensor in = OnnxTensor.createTensor(env, a, new long[] {m, width});
              OrtSession.Result out = session.run(Map.of("a", in))) {
            // the outputs are not read: only the time counts
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return flopsPerRow * m * repeats / seconds / 1e9;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("GFLOP/s reference " + onnx.getFileName() + " failed: "
          + e.getMessage(), e);
    }
  }
}
