package io.elasticast.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.elasticast.featurizer.SpectrogramWindow;
import io.elasticast.inference.InferenceBenchmark;
import io.elasticast.inference.InferenceBenchmark.Workload;
import io.elasticast.inference.InferenceSettings;
import io.elasticast.inference.InvalidModelException;
import io.elasticast.inference.ModelConfig;
import io.elasticast.inference.OrtClassifier;
import io.elasticast.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code elasticast bench inference}: packed ONNX Runtime serving against one-window-at-a-time,
 * padded batches and PyTorch eager, on a fixed seeded workload, timed interleaved in rounds;
 * prints a table (min / median) and one line of ratios.
 */
@Command(
    name = "inference",
    mixinStandardHelpOptions = true,
    description = "Packed vs one-at-a-time vs padded ORT serving vs PyTorch eager: windows/s, audio s/s, GFLOP/s.")
public final class BenchInferenceCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", converter = ModelPathConverter.class, defaultValue = "model/artifacts", paramLabel = "DIR|JSON",
      description = "model directory (model.json) or a model*.json (default ${DEFAULT-VALUE})")
  Path model;

  @Option(names = "--model-code", defaultValue = "model", paramLabel = "DIR",
      description = "directory with elasticast.py for the PyTorch baseline (default ${DEFAULT-VALUE})")
  Path modelCode;

  @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch (default ${DEFAULT-VALUE})")
  String python;

  @Option(names = "--threads", defaultValue = "2", description = "threads for ORT and PyTorch alike (default ${DEFAULT-VALUE})")
  int threads;

  @Option(names = "--windows", defaultValue = "128", description = "windows in the mixed workload (default ${DEFAULT-VALUE})")
  int mixedCount;

  @Option(names = "--one-second-windows", defaultValue = "256", description = "windows in the 1 s workload (default ${DEFAULT-VALUE})")
  int oneSecondCount;

  @Option(names = "--rounds", defaultValue = "5", description = "timed rounds, modes interleaved (default ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = "--token-budget", defaultValue = "" + InferenceSettings.DEFAULT_TOKEN_BUDGET,
      description = "packed mode: real tokens per batch (default ${DEFAULT-VALUE})")
  int tokenBudget;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ONE = "one-at-a-time";
  private static final String PADDED = "padded-" + InferenceBenchmark.PADDED_BATCH;
  private static final String PACKED = "packed";
  private static final String TORCH = "pytorch-eager";
  /** ≈ 70 ms of MatMul at this machine's speed: one sample as long as one packed pass. */
  private static final int MATMUL_RUNS_PER_SAMPLE = 64;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path configFile = Files.isDirectory(model) ? model.resolve(ModelConfig.FILE_NAME) : model;
    ModelConfig config;
    try {
      config = ModelConfig.load(model);
    } catch (InvalidModelException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    if (config.dModel() <= 0 || config.depth() <= 0) {
      err.println("error: " + configFile + " lacks d_model/depth, needed for FLOP counts");
      return 1;
    }
    List<Workload> workloads = List.of(
        InferenceBenchmark.mixed(mixedCount, seed, config.numMelBins()),
        InferenceBenchmark.oneSecond(oneSecondCount, seed + 1, config.numMelBins()));
    Path tmp = null;
    try (OrtClassifier runtime = OrtClassifier.open(config, OrtClassifier.Options.cpu(threads))) {
      tmp = Files.createTempDirectory("elasticast-bench-inference");
      Path script = tmp.resolve("pytorch_eager_bench.py");
      try (InputStream in = InferenceBenchmark.class.getResourceAsStream("pytorch_eager_bench.py")) {
        Files.copy(in, script);
      }
      Path workloadFile = writeWorkload(tmp.resolve("workload.json"), workloads);
      Path matmulOnnx = tmp.resolve("matmul.onnx");
      Path linearOnnx = tmp.resolve("linear.onnx");
      runPython(err, List.of(python, script.toString(), "--model-code", modelCode.toString(),
          "--matmul-onnx", matmulOnnx.toString(), "--k", "" + config.dModel(),
          "--n", "" + 4 * config.dModel(), "--linear-onnx", linearOnnx.toString(),
          "--depth", "" + config.depth()));

      InferenceBenchmark bench = new InferenceBenchmark(runtime, tokenBudget);
      out.printf("bench inference: %s (d=%d, depth %d), %d threads, token budget %d, %d rounds%n",
          config.modelId(), config.dModel(), config.depth(), threads, tokenBudget, rounds);
      for (Workload w : workloads) { // warm-up: every layout and shape once
        bench.runOne(w);
        bench.runPadded(w);
        bench.runPacked(w);
      }
      Map<String, Map<String, List<Double>>> seconds = new LinkedHashMap<>();
      Map<String, InferenceBenchmark.PackedRun> lastPacked = new LinkedHashMap<>();
      List<Double> matmulRounds = new ArrayList<>();
      List<Double> linearRounds = new ArrayList<>();
      int patchValues = config.patchSize() * config.patchSize();
      int weightsLoaded = 0;
      int weightsTotal = 0;
      for (int r = 0; r < rounds; r++) {
        for (Workload w : workloads) {
          Map<String, List<Double>> byMode = seconds.computeIfAbsent(w.name(), k -> new LinkedHashMap<>());
          // rotate the order each round so no mode always runs first (or right after Python)
          List<String> order = new ArrayList<>(List.of(ONE, PADDED, PACKED));
          java.util.Collections.rotate(order, r);
          for (String mode : order) {
            double s;
            if (mode.equals(PACKED)) {
              InferenceBenchmark.PackedRun run = bench.runPacked(w);
              lastPacked.put(w.name(), run);
              s = run.seconds();
            } else {
              s = mode.equals(ONE) ? bench.runOne(w) : bench.runPadded(w);
            }
            byMode.computeIfAbsent(mode, k -> new ArrayList<>()).add(s);
          }
        }
        // the machine's limit, measured in every round too: a loaded machine moves both alike
        matmulRounds.add(InferenceBenchmark.matmulGflops(matmulOnnx, tokenBudget, config.dModel(),
            threads, MATMUL_RUNS_PER_SAMPLE, 4 * config.dModel()));
        // the model's linear layers alone on the same token count: the ceiling for matmul_frac;
        // a run holds ~4·depth MatMuls' worth of work, so the sample lasts about as long
        linearRounds.add(InferenceBenchmark.backToBackGflops(linearOnnx, tokenBudget,
            patchValues, bench.linearFlopsPerToken(), threads,
            Math.max(1, MATMUL_RUNS_PER_SAMPLE / (4 * config.depth()))));
        JsonNode torch = runPython(err, List.of(python, script.toString(), "--model-code",
            modelCode.toString(), "--config", configFile.toString(), "--workload",
            workloadFile.toString(), "--threads", "" + threads));
        weightsLoaded = torch.path("weights_loaded").asInt();
        weightsTotal = torch.path("weights_total").asInt();
        for (Workload w : workloads) {
          JsonNode set = torch.get("sets").get(key(w));
          List<Double> one = doubles(set.get("one"));
          List<Double> padded = doubles(set.get("padded"));
          Map<String, List<Double>> byMode = seconds.get(w.name());
          byMode.computeIfAbsent(TORCH + " one", k -> new ArrayList<>()).addAll(one);
          byMode.computeIfAbsent(TORCH + " padded", k -> new ArrayList<>()).addAll(padded);
        }
      }
      double[] matmulSorted = matmulRounds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      double matmul = median(matmulSorted);
      double matmulBest = matmulSorted[matmulSorted.length - 1];
      double linear = median(linearRounds.stream().mapToDouble(Double::doubleValue).sorted().toArray());

      out.printf("%-26s %-22s %19s %13s %9s%n", "workload", "mode", "windows/s min/med",
          "audio s/s med", "GFLOP/s");
      Map<String, Double> median = new LinkedHashMap<>();
      for (Workload w : workloads) {
        double gflop = bench.usefulFlops(w) / 1e9;
        for (Map.Entry<String, List<Double>> e : seconds.get(w.name()).entrySet()) {
          double[] s = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
          double med = median(s);
          double max = s[s.length - 1];
          int n = w.windows().size();
          out.printf("%-26s %-22s %9.1f / %7.1f %13.1f %9.1f%n", w.name(), e.getKey(), n / max,
              n / med, w.audioSeconds() / med, gflop / med);
          median.put(key(w) + "|" + e.getKey(), n / med);
        }
        InferenceBenchmark.PackedRun p = lastPacked.get(w.name());
        out.printf("%-26s packed: %d calls, utilisation %.3f (%d tokens / %d attention slots)%n",
            w.name(), p.calls(), p.utilisation(), p.tokens(), p.slots());
      }
      out.printf("ORT MatMul [%d x %d] x [%d x %d], %d threads: %.1f GFLOP/s median, %.1f best"
              + " (machine limit; one sample per round = %d runs back to back)%n",
          tokenBudget, config.dModel(), config.dModel(), 4 * config.dModel(), threads, matmul,
          matmulBest, MATMUL_RUNS_PER_SAMPLE);
      out.printf("the model's linear layers alone (no attention, norms, activations), [%d x %d] in:"
              + " %.1f GFLOP/s median = %.2f of the MatMul: the most matmul_frac could be%n",
          tokenBudget, patchValues, linear, linear / matmul);
      out.printf("PyTorch eager: %s/%s weights loaded from the ONNX file (speed does not depend on them)%n",
          weightsLoaded, weightsTotal);

      Workload mixed = workloads.get(0);
      Workload oneSec = workloads.get(1);
      String m = key(mixed) + "|";
      String o = key(oneSec) + "|";
      double packedMixed = median.get(m + PACKED);
      double torchBest = Math.max(median.get(m + TORCH + " one"), median.get(m + TORCH + " padded"));
      double achieved = bench.usefulFlops(mixed) / 1e9 * packedMixed / mixed.windows().size();
      double fastestPacked = mixed.windows().size()
          / seconds.get(mixed.name()).get(PACKED).stream().mapToDouble(Double::doubleValue).min().orElseThrow();
      out.printf("matmul_frac: %.2f median packed pass / median MatMul sample, %.2f fastest / fastest%n",
          achieved / matmul,
          bench.usefulFlops(mixed) / 1e9 * fastestPacked / mixed.windows().size() / matmulBest);
      out.printf("packed/padded=%.2f packed/one=%.2f packed/one_1s=%.2f packed/pytorch=%.2f"
              + " utilisation=%.3f matmul_frac=%.2f%n",
          packedMixed / median.get(m + PADDED), packedMixed / median.get(m + ONE),
          median.get(o + PACKED) / median.get(o + ONE), packedMixed / torchBest,
          lastPacked.get(mixed.name()).utilisation(), achieved / matmul);
      out.flush();
      return 0;
    } catch (InvalidModelException | IOException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } finally {
      EmbeddedKafkaBroker.deleteRecursively(tmp);
    }
  }

  private static String key(Workload w) {
    return w.name().startsWith("1 s") ? "one_second" : "mixed";
  }

  private Path writeWorkload(Path file, List<Workload> workloads) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode sets = root.putObject("sets");
    for (Workload w : workloads) {
      ArrayNode list = sets.putArray(key(w));
      for (SpectrogramWindow window : w.windows()) {
        list.addArray().add(window.frames).add(window.frameShiftMs);
      }
    }
    root.put("rounds", 1);
    root.put("batch", InferenceBenchmark.PADDED_BATCH);
    Files.writeString(file, root.toString());
    return file;
  }

  private static JsonNode runPython(PrintWriter err, List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
    byte[] stdout;
    byte[] stderr;
    try {
      stdout = p.getInputStream().readAllBytes();
      stderr = p.getErrorStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("the PyTorch baseline failed (" + String.join(" ", command)
            + "): " + tail(new String(stderr, StandardCharsets.UTF_8)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("interrupted while the PyTorch baseline ran", e);
    }
    String text = new String(stdout, StandardCharsets.UTF_8).trim();
    return text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
  }

  private static String tail(String s) {
    String[] lines = s.strip().split("\n");
    return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
  }

  private static List<Double> doubles(JsonNode array) {
    List<Double> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asDouble()));
    return out;
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
