package io.elasticast.bench;

import io.elasticast.inference.ModelConfig;
import io.elasticast.inference.PackPlanner;
import io.elasticast.inference.PackedBatchEncoder;
import io.elasticast.inference.Patchifier;
import io.elasticast.inference.WindowClassifier;
import io.elasticast.schemas.SpectrogramWindow;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Java side of one packed batch, which the operator pays on top of the ONNX Runtime calls:
 * planning a batch, encoding its largest call, patchifying one window. Run with JMH from the CLI
 * jar: {@code java -cp app/target/elasticast-app.jar org.openjdk.jmh.Main PackingMicroBenchmark}
 * (from the repository root, or {@code -p model=DIR}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PackingMicroBenchmark {

  /** A model directory (model.json): the planner's sizes and the patch geometry come from it. */
  @Param({"model/artifacts"})
  public String model;

  /** Which of the bench's workloads is one batch (every window of it, at most the token budget). */
  @Param({"mixed", "multires"})
  public String workload;

  private PackPlanner planner;
  private PackedBatchEncoder encoder;
  private Patchifier patchifier;
  private List<SpectrogramWindow> batch;
  private int[] tokens;
  private PackPlanner.Call largest;
  private SpectrogramWindow tenSeconds;

  @Setup
  public void setUp() {
    ModelConfig config = ModelConfig.load(Path.of(model));
    patchifier = new Patchifier(config, Patchifier.FeatureScale.RAW_LOG_MEL);
    planner = WindowClassifier.planner(config, 3072, new PackPlanner.CostModel(100e-6, 0.5e-6, 2e-6, 4e-9, 0.3e-9));
    encoder = new PackedBatchEncoder(patchifier);
    Workloads.Workload w = Workloads.all(1.0, 42, config.numMelBins(), config.frameShiftsMs())
        .stream().filter(x -> x.key().equals(workload)).findFirst().orElseThrow();
    int budget = 0;
    int n = 0;
    while (n < w.windows().size() && budget + patchifier.tokens(w.windows().get(n)) <= 3072) {
      budget += patchifier.tokens(w.windows().get(n++));
    }
    batch = w.windows().subList(0, n);
    tokens = batch.stream().mapToInt(patchifier::tokens).toArray();
    largest = planner.plan(tokens).calls().stream()
        .max((a, b) -> Integer.compare(a.tokens(), b.tokens())).orElseThrow();
    tenSeconds = Workloads.tenSeconds(1, 1, config.numMelBins()).windows().get(0);
  }

  @Benchmark
  public PackPlanner.Plan plan() {
    return planner.plan(tokens);
  }

  @Benchmark
  public PackedBatchEncoder.PackedBatch encodeLargestCall() {
    return encoder.encode(batch, largest);
  }

  @Benchmark
  public int patchifyTenSeconds() {
    PackPlanner.Call call = new PackPlanner.Call(patchifier.tokens(tenSeconds),
        List.of(new PackPlanner.Row(new int[] {0}, patchifier.tokens(tenSeconds))),
        patchifier.tokens(tenSeconds));
    return encoder.encode(List.of(tenSeconds), call).tokens();
  }
}
