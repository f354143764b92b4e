package io.elasticast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.elasticast.bench.InferenceBenchmark.Layout;
import io.elasticast.bench.InferenceBenchmark.Shape;
import io.elasticast.bench.Workloads.Workload;
import io.elasticast.inference.ModelConfig;
import io.elasticast.inference.OrtClassifier;
import io.elasticast.inference.PackPlanner;
import io.elasticast.inference.WindowClassifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code elasticast bench inference}: packed serving against the fair baselines, in one process,
 * on five seeded workloads, interleaved round by round; prints a table (min / median windows/s,
 * calls, tokens per call, attention density), where each layout spends its time (ONNX Runtime's
 * profiler), what packed/best would read if packing wasted nothing and ran at the best speed per
 * unit of work of the baselines ({@link Shape#noWasteCeiling}, most over the baselines), and ends
 * with
 * {@code packed/best_1s=A packed/best_10s=B packed/best_mixed=C packed/best_multiscale=D
 * packed/best_multires=E attention_density=F}: per workload the median packed windows/s over the
 * median of the fastest baseline; F = Σ l² / Σ L² over every packed call of the five workloads.
 *
 * <p>Baselines: length-bucketed padding at each batch size of {4, 8, 16, 32} (the best one counts),
 * one window per call (both on the same ONNX Runtime session as packing), and PyTorch eager
 * running the packed layout's own calls through the same model's {@code forward_flat} in a child
 * process started once and warmed up like the rest.
 */
public final class InferenceBench {

  /** What to run. */
  public record Settings(Path model, Path modelCode, String python, int threads, double scale,
      int rounds, int tokenBudget, long seed, boolean profile) {}

  static final String PACKED = "packed";
  static final String TORCH = "pytorch-eager";

  private final Settings settings;

  public InferenceBench(Settings settings) {
    this.settings = settings;
  }

  public int run(PrintWriter out, PrintWriter err) throws IOException {
    ModelConfig config = ModelConfig.load(settings.model());
    Path configFile = Files.isDirectory(settings.model())
        ? settings.model().resolve(ModelConfig.FILE_NAME) : settings.model();
    List<Workload> workloads = Workloads.all(settings.scale(), settings.seed(),
        config.numMelBins(), config.frameShiftsMs());
    Path tmp = Files.createTempDirectory("elasticast-bench-inference");
    try (OrtClassifier runtime = OrtClassifier.open(config,
            OrtClassifier.Options.cpu(settings.threads()));
        TorchEager torch = new TorchEager(settings.python(), settings.modelCode(), configFile,
            runtime.threads(), tmp)) {
      PackPlanner planner = WindowClassifier.planner(runtime, settings.tokenBudget());
      InferenceBenchmark bench = new InferenceBenchmark(runtime, config, planner,
          settings.tokenBudget());
      List<Layout> layouts = new ArrayList<>();
      layouts.add(bench.packed());
      for (int b : InferenceBenchmark.PADDED_BATCH_SIZES) {
        layouts.add(bench.padded(b));
      }
      layouts.add(bench.oneAtATime());

      out.printf(Locale.ROOT, "bench inference: %s (d=%d, depth %d, %d heads), ONNX Runtime on %d"
              + " intra-op threads (no spinning), token budget %d, %d rounds, load %.1f%n",
          config.modelId(), config.dModel(), config.depth(), config.heads(), runtime.threads(),
          settings.tokenBudget(), settings.rounds(), loadAverage());
      out.println("planner: " + planner.costModel());
      JsonNode ready = torch.ready();
      out.printf("PyTorch eager: torch %s, %d threads, BLAS %s, %s/%s weights from the ONNX file%n",
          ready.path("torch").asText(), ready.path("threads").asInt(),
          ready.path("blas").asText(), ready.path("weights_loaded").asText(),
          ready.path("weights_total").asText());

      Map<String, Workload> byKey = new LinkedHashMap<>();
      Map<String, List<List<int[]>>> plans = new LinkedHashMap<>();
      for (Workload w : workloads) {
        byKey.put(w.key(), w);
        plans.put(w.key(), bench.packedCalls(w));
      }
      torch.load(byKey, plans, tmp.resolve("plan.json"));

      // warm-up: every layout and shape once, PyTorch's passes included
      for (Workload w : workloads) {
        torch.run(w.key());
      }
      pause();
      for (Workload w : workloads) {
        for (Layout l : layouts) {
          l.run(w);
        }
      }
      Map<String, Map<String, List<Double>>> seconds = new LinkedHashMap<>();
      List<String> modes = new ArrayList<>();
      layouts.forEach(l -> modes.add(l.name()));
      modes.add(TORCH);
      java.util.Random order = new java.util.Random(settings.seed());
      for (int r = 0; r < settings.rounds(); r++) {
        // ONNX Runtime layouts in a fresh random order per workload and round (no layout always
        // runs first, or always after the same one), then PyTorch's passes as one block, then a
        // pause: its OpenMP and BLAS threads spin for a while after a pass and would slow
        // whichever layout ran next
        for (Workload w : workloads) {
          Map<String, List<Double>> byMode = seconds.computeIfAbsent(w.key(), k -> new LinkedHashMap<>());
          List<Layout> shuffled = new ArrayList<>(layouts);
          Collections.shuffle(shuffled, order);
          for (Layout l : shuffled) {
            byMode.computeIfAbsent(l.name(), k -> new ArrayList<>()).add(l.run(w));
          }
        }
        for (Workload w : workloads) {
          seconds.get(w.key()).computeIfAbsent(TORCH, k -> new ArrayList<>()).add(torch.run(w.key()));
        }
        pause();
      }

      out.printf("%-46s %-14s %19s %9s %6s %8s %8s %7s%n", "workload", "mode",
          "windows/s min/med", "audio s/s", "calls", "tok/call", "density", "vs best");
      Map<String, Double> ratios = new LinkedHashMap<>();
      double usefulPairs = 0;
      double pairs = 0;
      Map<String, String> bestOf = new LinkedHashMap<>();
      for (Workload w : workloads) {
        Map<String, List<Double>> byMode = seconds.get(w.key());
        int n = w.windows().size();
        String best = null;
        for (String mode : modes) {
          if (!mode.equals(PACKED) && (best == null
              || median(byMode.get(mode)) < median(byMode.get(best)))) {
            best = mode;
          }
        }
        bestOf.put(w.key(), best);
        double bestMedian = median(byMode.get(best));
        for (String mode : modes) {
          List<Double> s = byMode.get(mode);
          Shape shape = mode.equals(TORCH) ? layouts.get(0).shape(w)
              : layouts.stream().filter(l -> l.name().equals(mode)).findFirst().orElseThrow().shape(w);
          out.printf(Locale.ROOT, "%-46s %-14s %9.1f / %7.1f %9.1f %6d %8.0f %8.3f %7.2f%s%n",
              w.name() + " (" + n + ")", mode, n / Collections.max(s), n / median(s),
              w.audioSeconds() / median(s), shape.calls(), shape.tokensPerCall(),
              shape.attentionDensity(), bestMedian / median(s), mode.equals(best) ? " best" : "");
        }
        ratios.put(w.key(), bestMedian / median(byMode.get(PACKED)));
        Shape packed = layouts.get(0).shape(w);
        usefulPairs += packed.usefulAttentionPairs();
        pairs += packed.attentionPairs();
      }
      Map<String, String> ceilings = new LinkedHashMap<>();
      if (settings.profile()) {
        out.println("where the time goes (ONNX Runtime profiler, kernel time by kind, 3 passes after"
            + " a warm-up pass; the profiler slows kernels, so read shares, not times):");
        for (Workload w : workloads) {
          Map<String, List<Double>> byMode = seconds.get(w.key());
          double bestMedian = median(byMode.get(bestOf.get(w.key())));
          // a layout without waste, at the speed per unit of work of baseline B, runs B's ceiling
          // times B's speed: the most of those over the baselines is what packing could read at
          // the best per-work speed any baseline showed (larger calls run faster per unit of work)
          double bound = 0;
          String boundBy = "";
          for (Layout l : layouts) {
            OpProfile p = profile(config, runtime.threads(), bench, l, w, tmp);
            out.printf(Locale.ROOT, "  %-12s %-14s %s%n", w.key(), l.name(), p.shares());
            if (l == layouts.get(0)) {
              continue;
            }
            Shape shape = l.shape(w);
            double attention = p.share(OpProfile.Kind.ATTENTION);
            double ceiling = shape.noWasteCeiling(attention);
            double speed = bestMedian / median(byMode.get(l.name())); // of the best's
            if (ceiling * speed > bound) {
              bound = ceiling * speed;
              boundBy = String.format(Locale.ROOT, "%s: %.0f %% of its tokens real, attention"
                      + " density %.3f, attention %.0f %% of its time, no-waste ceiling %.2f, %.2f of"
                      + " the best's speed", l.name(), 100 * shape.tokenDensity(),
                  shape.attentionDensity(), 100 * attention, ceiling, speed);
            }
          }
          ceilings.put(w.key(), String.format(Locale.ROOT, "%.2f (from %s)", bound, boundBy));
        }
        out.println("packed/best if packing wasted nothing and ran at the best speed per unit of work"
            + " of the ONNX Runtime baselines:");
        ceilings.forEach((k, c) -> out.printf(Locale.ROOT, "  %-12s %s%n", k, c));
      }
      StringBuilder line = new StringBuilder();
      for (Map.Entry<String, Double> e : ratios.entrySet()) {
        line.append("packed/best_").append(e.getKey()).append('=')
            .append(String.format(Locale.ROOT, "%.2f", e.getValue())).append(' ');
      }
      line.append(String.format(Locale.ROOT, "attention_density=%.3f", usefulPairs / pairs));
      out.printf(Locale.ROOT, "load after: %.1f%n", loadAverage());
      out.println(line);
      out.flush();
      return 0;
    } finally {
      deleteTree(tmp);
    }
  }

  private static Layout layoutNamed(List<Layout> layouts, String name) {
    return layouts.stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
  }

  private static OpProfile profile(ModelConfig config, int threads, InferenceBenchmark bench,
      Layout layout, Workload w, Path dir) throws IOException {
    try (ProfiledSession session = new ProfiledSession(config, threads,
        dir.resolve("profile-" + w.key() + "-" + layout.name()))) {
      InferenceBenchmark onProfiled = bench.on(session);
      Layout same = layoutNamed(List.of(onProfiled.packed(), onProfiled.oneAtATime(),
          onProfiled.padded(4), onProfiled.padded(8), onProfiled.padded(16), onProfiled.padded(32)),
          layout.name());
      same.run(w); // warm-up
      int warmUpCalls = same.shape(w).calls();
      for (int i = 0; i < 3; i++) {
        same.run(w);
      }
      return OpProfile.read(session.trace(), warmUpCalls);
    } catch (ai.onnxruntime.OrtException e) {
      throw new IOException("profiling failed: " + e.getMessage(), e);
    }
  }

  /** Lets the PyTorch child's spinning threads go to sleep before ONNX Runtime is timed again. */
  private static void pause() {
    try {
      Thread.sleep(PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final long PAUSE_MILLIS = 500;

  static double median(List<Double> values) {
    double[] s = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
