package io.elasticast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.inference.ModelConfig;
import io.elasticast.inference.OrtClassifier;
import io.elasticast.inference.PackedBatchEncoder;
import io.elasticast.inference.Patchifier;
import io.elasticast.inference.WindowClassifier;
import io.elasticast.schemas.SpectrogramWindow;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's layouts are fair: every one of them classifies the windows correctly. */
class InferenceBenchmarkUnitTest {

  static final Path TINY = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent()
      .resolve("model/artifacts/model-tiny-random.json");

  @Test
  void shouldScorePaddedWindowsAsIfAloneDespiteTheFiller() {
    ModelConfig config = ModelConfig.load(TINY);
    try (OrtClassifier runtime = OrtClassifier.open(config, OrtClassifier.Options.cpu(1))) {
      InferenceBenchmark bench = new InferenceBenchmark(runtime, config,
          WindowClassifier.planner(runtime, 2048), 2048);
      List<SpectrogramWindow> windows = Workloads.mixed(8, 3, 128, List.of(10, 20, 30, 40)).windows();
      PackedBatchEncoder.PackedBatch padded = bench.encodePadded(windows);
      assertThat(padded.tokens()).isEqualTo(padded.rowCount() * padded.width()); // filler counted
      float[][] logits = runtime.run(padded);

      WindowClassifier alone = new WindowClassifier(runtime,
          new Patchifier(config, Patchifier.FeatureScale.RAW_LOG_MEL),
          WindowClassifier.planner(runtime, 2048));
      double worst = 0;
      int real = 0;
      for (int k = 0; k < logits.length; k++) {
        int b = padded.windowOrder()[k];
        if (b < 0) {
          continue;
        }
        real++;
        float[] solo = alone.classify(List.of(windows.get(b))).scored().get(0).logits();
        for (int c = 0; c < solo.length; c++) {
          worst = Math.max(worst, Math.abs(solo[c] - logits[k][c]));
        }
      }
      assertThat(real).isEqualTo(8);
      assertThat(worst).isLessThanOrEqualTo(1e-4);
    }
  }

  @Test
  void shouldDrawFixedWorkloadsOfClassifiableWindows() {
    List<Workloads.Workload> a = Workloads.all(1.0, 9, 128, List.of(10, 20, 30, 40));
    List<Workloads.Workload> b = Workloads.all(1.0, 9, 128, List.of(10, 20, 30, 40));
    assertThat(a).extracting(Workloads.Workload::key)
        .containsExactly("1s", "10s", "mixed", "multiscale", "multires");
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).windows()).isEqualTo(b.get(i).windows());
      assertThat(a.get(i).windows()).allSatisfy(win -> {
        assertThat(win.frames).isGreaterThanOrEqualTo(16);
        assertThat((win.endMicros - win.startMicros) / 1e6).isBetween(0.5, 10.0);
      });
    }
    assertThat(a.get(0).windows()).allSatisfy(win -> assertThat(win.frames).isEqualTo(98));
    assertThat(a.get(1).windows()).allSatisfy(win -> assertThat(win.frames).isEqualTo(998));
    assertThat(a.get(2).windows()).extracting(w -> w.frameShiftMs).containsOnly(10, 20, 30, 40);
    // the job's default policies: 1 s sliding windows and native segments, all at 10 ms
    assertThat(a.get(3).windows()).extracting(w -> w.frameShiftMs).containsOnly(10);
    assertThat(a.get(3).windows().stream().filter(w -> w.frames == 98).count())
        .isGreaterThan(a.get(3).windows().size() / 2);
    // three resolutions in the proportions of their hops: 20 : 5 : 2 per 10 s
    assertThat(a.get(4).windows().stream().filter(w -> w.frameShiftMs == 10).count()).isCloseTo(
        4 * a.get(4).windows().stream().filter(w -> w.frameShiftMs == 20).count(),
        org.assertj.core.data.Offset.offset(4L));
    assertThat(a.get(4).windows()).extracting(w -> w.frameShiftMs).containsOnly(10, 20, 40);
  }

  @Test
  void shouldBoundWhatRemovingPaddingCanGainByWhatTheLayoutComputesForNothing() {
    // half the time in attention, 80 % of the tokens real, half the attention pairs real
    InferenceBenchmark.Shape shape = new InferenceBenchmark.Shape(4, 100, 80, 1000, 500);
    assertThat(shape.noWasteCeiling(0.5)).isCloseTo(1 / 0.65, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(shape.noWasteCeiling(0)).isCloseTo(1.25, org.assertj.core.data.Offset.offset(1e-9));

    ModelConfig config = ModelConfig.load(TINY);
    try (OrtClassifier runtime = OrtClassifier.open(config, OrtClassifier.Options.cpu(1))) {
      InferenceBenchmark bench = new InferenceBenchmark(runtime, config,
          WindowClassifier.planner(runtime, 2048), 2048);
      Workloads.Workload mixed = Workloads.mixed(32, 3, 128, List.of(10, 20, 30, 40));
      // packing computes real tokens only, one at a time wastes nothing, padding wastes both
      assertThat(bench.packed().shape(mixed).tokenDensity()).isEqualTo(1.0);
      assertThat(bench.oneAtATime().shape(mixed).noWasteCeiling(0.4)).isEqualTo(1.0);
      InferenceBenchmark.Shape padded = bench.padded(8).shape(mixed);
      assertThat(padded.tokenDensity()).isLessThan(1.0);
      assertThat(padded.noWasteCeiling(0.4)).isGreaterThan(1.0);
    }
  }
}
