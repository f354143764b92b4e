package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.featurizer.SpectrogramWindow;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's layouts are fair: every one of them classifies the windows correctly. */
class InferenceBenchmarkUnitTest {

  @Test
  void shouldScorePaddedWindowsAsIfAloneDespiteTheFiller() {
    try (OrtClassifier runtime = TestModels.tinyRuntime()) {
      InferenceBenchmark bench = new InferenceBenchmark(runtime, 2048);
      InferenceBenchmark.Workload w = InferenceBenchmark.mixed(8, 3, 128);
      List<SpectrogramWindow> windows = w.windows();
      PackedBatchEncoder.PackedBatch padded = bench.encodePadded(windows);
      assertThat(padded.tokens()).isEqualTo(padded.rowCount() * padded.width()); // filler counted
      float[][] logits = runtime.run(padded);

      WindowClassifier alone = new WindowClassifier(runtime,
          new Patchifier(runtime.config(), Patchifier.FeatureScale.RAW_LOG_MEL),
          WindowClassifier.defaultPlanner(runtime.config(), 2048));
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
  void shouldDrawAFixedWorkloadOfClassifiableWindows() {
    InferenceBenchmark.Workload a = InferenceBenchmark.mixed(50, 9, 128);
    InferenceBenchmark.Workload b = InferenceBenchmark.mixed(50, 9, 128);
    assertThat(a.windows()).isEqualTo(b.windows());
    assertThat(a.windows()).allSatisfy(win -> {
      assertThat(win.frames).isGreaterThanOrEqualTo(16);
      assertThat(win.frameShiftMs).isBetween(10, 40);
      assertThat((win.endMicros - win.startMicros) / 1e6).isBetween(0.5, 10.0);
    });
    assertThat(InferenceBenchmark.oneSecond(4, 1, 128).windows())
        .allSatisfy(win -> assertThat(win.frames).isEqualTo(98));
  }
}
