package io.elasticast.bench;

import io.elasticast.bench.Workloads.Workload;
import io.elasticast.inference.ModelConfig;
import io.elasticast.inference.PackPlanner;
import io.elasticast.inference.PackedBatchEncoder;
import io.elasticast.inference.PackedRunner;
import io.elasticast.inference.Patchifier;
import io.elasticast.schemas.SpectrogramWindow;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The ONNX Runtime serving layouts that {@code elasticast bench inference} compares on one
 * session. Each {@link Layout} classifies a whole workload per {@link Layout#run} and returns the
 * seconds it took, encoding (and for packing, planning) included, as the operator pays them.
 *
 * <ul>
 *   <li><b>packed</b>: what the operator does under load: windows in arrival order fill the token
 *       budget ({@code PackingQueue}), and the planner lays out each batch;
 *   <li><b>padded-B</b>: length-bucketed padding, as Triton-style dynamic batching serves a
 *       fixed-shape model: windows sorted by size, batches of B, every window alone in a row padded
 *       with filler tokens to the batch's longest. The filler goes through every layer, as padding
 *       does in a padded model, and is masked out of the real windows (its own sample id);
 *   <li><b>one</b>: one window per call.
 * </ul>
 */
public final class InferenceBenchmark {

  public static final int[] PADDED_BATCH_SIZES = {4, 8, 16, 32};

  private final PackedRunner runtime;
  private final ModelConfig config;
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

  public InferenceBenchmark(PackedRunner runtime, ModelConfig config, PackPlanner planner,
      int tokenBudget) {
    this.runtime = runtime;
    this.config = config;
    this.patchifier = new Patchifier(config, Patchifier.FeatureScale.RAW_LOG_MEL);
    this.planner = planner;
    this.encoder = new PackedBatchEncoder(patchifier);
    this.tokenBudget = tokenBudget;
    this.patchValues = patchifier.patchValues();
  }

  /** What a layout computes on a workload: calls, tokens through the linear layers, attention. */
  public record Shape(int calls, long tokens, long usefulTokens, double attentionPairs,
      double usefulAttentionPairs) {

    /** Σ l² over windows ÷ Σ L² over attention rows: the attention work that is not wasted. */
    public double attentionDensity() {
      return usefulAttentionPairs / attentionPairs;
    }

    public double tokensPerCall() {
      return (double) tokens / calls;
    }

    /** Real tokens ÷ tokens through the linear layers (1 where no filler is computed). */
    public double tokenDensity() {
      return (double) usefulTokens / tokens;
    }

    /**
     * How much faster a layout that wastes nothing (every token real, attention over each window
     * alone) could run than this one, if it kept this layout's time per unit of work: this
     * layout's time split as its profile measured, token-bound work ({@code 1 - attentionShare})
     * scaled by {@link #tokenDensity()} and attention by {@link #attentionDensity()}. A ceiling on
     * what removing padding can buy; larger calls or fewer of them are the only other gain.
     */
    public double noWasteCeiling(double attentionShare) {
      return 1 / ((1 - attentionShare) * tokenDensity() + attentionShare * attentionDensity());
    }
  }

  /** A serving layout: its name, its shape on a workload, and one timed pass. */
  public interface Layout {
    String name();

    Shape shape(Workload w);

    /** Classifies every window of {@code w} once; seconds. */
    double run(Workload w);
  }

  /** The same layouts on another runner (e.g. a profiled session of the same model). */
  public InferenceBenchmark on(PackedRunner other) {
    return new InferenceBenchmark(other, config, planner, tokenBudget);
  }

  public Layout packed() {
    return new Layout() {
      @Override
      public String name() {
        return "packed";
      }

      @Override
      public Shape shape(Workload w) {
        int calls = 0;
        double pairs = 0;
        long tokens = 0;
        for (Batch b : packedBatches(w)) {
          for (PackPlanner.Call call : b.plan().calls()) {
            calls++;
            tokens += call.tokens();
            pairs += (double) call.rows().size() * call.width() * call.width();
          }
        }
        return new Shape(calls, tokens, tokens(w), pairs, usefulPairs(w));
      }

      @Override
      public double run(Workload w) {
        long start = System.nanoTime();
        for (Batch b : packedBatches(w)) {
          for (PackPlanner.Call call : b.plan().calls()) {
            runtime.run(encoder.encode(b.windows(), call));
          }
        }
        return (System.nanoTime() - start) / 1e9;
      }
    };
  }

  /** One batch the operator would take under load, and its plan (made inside the timed pass). */
  private record Batch(List<SpectrogramWindow> windows, PackPlanner.Plan plan) {}

  private List<Batch> packedBatches(Workload w) {
    List<Batch> out = new ArrayList<>();
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
      out.add(new Batch(batch, planner.plan(batch.stream().mapToInt(patchifier::tokens).toArray())));
      from = to;
    }
    return out;
  }

  public Layout padded(int batchSize) {
    return new Layout() {
      @Override
      public String name() {
        return "padded-" + batchSize;
      }

      @Override
      public Shape shape(Workload w) {
        int calls = 0;
        long tokens = 0;
        double pairs = 0;
        for (List<SpectrogramWindow> b : buckets(w, batchSize)) {
          int width = patchifier.tokens(b.get(0));
          calls++;
          tokens += (long) width * b.size();
          pairs += (double) b.size() * width * width;
        }
        return new Shape(calls, tokens, tokens(w), pairs, usefulPairs(w));
      }

      @Override
      public double run(Workload w) {
        long start = System.nanoTime();
        for (List<SpectrogramWindow> b : buckets(w, batchSize)) {
          runtime.run(encodePadded(b));
        }
        return (System.nanoTime() - start) / 1e9;
      }
    };
  }

  /** Windows sorted by size (largest first, stable), cut into batches of {@code size}. */
  List<List<SpectrogramWindow>> buckets(Workload w, int size) {
    List<SpectrogramWindow> sorted = new ArrayList<>(w.windows());
    sorted.sort(Comparator.comparingInt((SpectrogramWindow x) -> patchifier.tokens(x)).reversed());
    List<List<SpectrogramWindow>> out = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i += size) {
      out.add(sorted.subList(i, Math.min(sorted.size(), i + size)));
    }
    return out;
  }

  public Layout oneAtATime() {
    return new Layout() {
      @Override
      public String name() {
        return "one-at-a-time";
      }

      @Override
      public Shape shape(Workload w) {
        return new Shape(w.windows().size(), tokens(w), tokens(w), usefulPairs(w), usefulPairs(w));
      }

      @Override
      public double run(Workload w) {
        long start = System.nanoTime();
        List<SpectrogramWindow> windows = w.windows();
        for (int i = 0; i < windows.size(); i++) {
          runtime.run(encoder.encode(windows, alone(i, patchifier.tokens(windows.get(i)))));
        }
        return (System.nanoTime() - start) / 1e9;
      }
    };
  }

  private static PackPlanner.Call alone(int window, int tokens) {
    return new PackPlanner.Call(tokens, List.of(new PackPlanner.Row(new int[] {window}, tokens)),
        tokens);
  }

  /**
   * The calls of the packed layout as window indices into {@code w}: per call, its rows, each the
   * windows it holds. PyTorch eager runs exactly these.
   */
  public List<List<int[]>> packedCalls(Workload w) {
    List<List<int[]>> out = new ArrayList<>();
    int offset = 0;
    for (Batch b : packedBatches(w)) {
      for (PackPlanner.Call call : b.plan().calls()) {
        List<int[]> rows = new ArrayList<>();
        for (PackPlanner.Row row : call.rows()) {
          int[] ids = row.windows().clone();
          for (int i = 0; i < ids.length; i++) {
            ids[i] += offset;
          }
          rows.add(ids);
        }
        out.add(rows);
      }
      offset += b.windows().size();
    }
    return out;
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

  public long tokens(Workload w) {
    return w.windows().stream().mapToLong(patchifier::tokens).sum();
  }

  private double usefulPairs(Workload w) {
    double s = 0;
    for (SpectrogramWindow x : w.windows()) {
      double l = patchifier.tokens(x);
      s += l * l;
    }
    return s;
  }

  public Patchifier patchifier() {
    return patchifier;
  }
}
