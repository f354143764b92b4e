package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.inference.PackedBatchEncoder.PackedBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Java ONNX Runtime against PyTorch, and packed calls against windows run alone. */
class OrtClassifierParityTest {

  /** Prices of the kind a CPU session calibrates to (seconds; see PackPlannerUnitTest). */
  static final PackPlanner.CostModel CPU = new PackPlanner.CostModel(100e-6, 0.5e-6, 2e-6, 4e-9, 0.3e-9);

  private static final double TOLERANCE = 1e-4;

  @Test
  void shouldReproduceThePyTorchLogitsOfTheCommittedFixture() {
    JsonNode fx = TestModels.fixture();
    JsonNode in = fx.get("inputs");
    JsonNode expected = fx.get("outputs").get("logits");
    int tokens = TestModels.dim(in.get("patches"), 0);
    int windows = TestModels.dim(expected, 0);
    PackedBatch batch = new PackedBatch(tokens, TestModels.dim(in.get("rows"), 0),
        TestModels.dim(in.get("rows"), 1), IntStream.range(0, windows).toArray(),
        TestModels.floats(in.get("patches")), TestModels.longs(in.get("freq_pos")),
        TestModels.longs(in.get("time_pos")), TestModels.longs(in.get("sample_ids")),
        TestModels.longs(in.get("rows")));

    float[][] logits;
    try (OrtClassifier runtime = TestModels.tinyRuntime()) {
      logits = runtime.run(batch);
    }
    double maxError = 0;
    int classes = TestModels.dim(expected, 1);
    for (int n = 0; n < windows; n++) {
      for (int c = 0; c < classes; c++) {
        double want = expected.get("data").get(n * classes + c).asDouble();
        maxError = Math.max(maxError, Math.abs(logits[n][c] - want));
      }
    }
    System.out.printf("fixture parity: max |ORT Java - PyTorch| = %.3g over %d windows%n",
        maxError, windows);
    assertThat(maxError).isLessThanOrEqualTo(TOLERANCE);
  }

  @Test
  void shouldScoreEveryWindowOfARandomMixAsIfItRanAlone() {
    ModelConfig config = TestModels.tiny();
    Patchifier patchifier = new Patchifier(config, Patchifier.FeatureScale.RAW_LOG_MEL);
    // calls made dear so that the planner also shares rows between windows
    PackPlanner sharing = WindowClassifier.planner(config, 2048,
        new PackPlanner.CostModel(5e-3, 0.5e-6, 0.5e-6, 1e-9, 0));
    PackPlanner cpuDefault = WindowClassifier.planner(config, 2048, CPU);
    try (OrtClassifier runtime = TestModels.tinyRuntime()) {
      WindowClassifier alone = new WindowClassifier(runtime, patchifier, cpuDefault);
      double maxError = 0;
      int sharedRows = 0;
      for (long seed = 0; seed < 4; seed++) {
        List<SpectrogramWindow> mix = Windows.mix(12, seed);
        for (PackPlanner planner : List.of(sharing, cpuDefault)) {
          WindowClassifier packed = new WindowClassifier(runtime, patchifier, planner);
          WindowClassifier.Outcome out = packed.classify(mix);
          assertThat(out.rejected()).isEmpty();
          assertThat(out.scored()).extracting(WindowClassifier.Scored::window)
              .containsExactlyElementsOf(mix);
          sharedRows += out.scored().stream()
              .filter(s -> s.packStats().getWindowsInCall() > s.packStats().getRowsInCall())
              .count();
          for (WindowClassifier.Scored s : out.scored()) {
            float[] solo = alone.classify(List.of(s.window())).scored().get(0).logits();
            for (int c = 0; c < solo.length; c++) {
              maxError = Math.max(maxError, Math.abs(solo[c] - s.logits()[c]));
            }
          }
        }
      }
      System.out.printf("packed vs alone: max |difference| = %.3g%n", maxError);
      assertThat(sharedRows).as("some calls held several windows per row").isPositive();
      assertThat(maxError).isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @Test
  void shouldRejectWindowsTheModelCannotTakeAndScoreTheRest() {
    ModelConfig config = TestModels.tiny();
    try (OrtClassifier runtime = TestModels.tinyRuntime()) {
      WindowClassifier classifier = new WindowClassifier(runtime,
          new Patchifier(config, Patchifier.FeatureScale.RAW_LOG_MEL),
          WindowClassifier.planner(config, 2048, CPU));
      SpectrogramWindow ok = Windows.random("a", 0, 64, 10, 1);
      SpectrogramWindow short15 = Windows.random("a", 1, 15, 10, 2); // padded to one patch
      SpectrogramWindow empty = Windows.random("a", 3, 0, 10, 4);
      SpectrogramWindow tooLong = Windows.random("a", 2, 16 * 193, 10, 3);
      WindowClassifier.Outcome out = classifier.classify(List.of(empty, short15, ok, tooLong));
      assertThat(out.scored()).extracting(WindowClassifier.Scored::window)
          .containsExactly(short15, ok);
      assertThat(out.rejected()).extracting(WindowClassifier.Rejected::window)
          .containsExactlyInAnyOrder(empty, tooLong);
    }
  }

  /**
   * A window of fewer than 16 frames scores as the 16-frame window that holds its frames and then
   * the padding training uses: raw log-mel 0 (normalised: (0 - mean) / (2 std)).
   */
  @Test
  void shouldScoreAWindowShorterThanOnePatchAsTheExplicitlyPaddedOnePatchWindow() {
    ModelConfig config = TestModels.tiny();
    try (OrtClassifier runtime = TestModels.tinyRuntime()) {
      for (Patchifier.FeatureScale scale : Patchifier.FeatureScale.values()) {
        WindowClassifier classifier = new WindowClassifier(runtime, new Patchifier(config, scale),
            WindowClassifier.planner(config, 2048, CPU));
        float pad = scale == Patchifier.FeatureScale.RAW_LOG_MEL ? ModelConfig.PADDING_LOG_MEL
            : config.paddingValue();
        for (int frames : new int[] {15, 11, 2, 1}) {
          SpectrogramWindow shortWindow = Windows.random("s", 0, frames, 40, 10 + frames);
          float[] data = Arrays.copyOf(shortWindow.data, 16 * Windows.BINS);
          Arrays.fill(data, frames * Windows.BINS, data.length, pad);
          SpectrogramWindow padded = new SpectrogramWindow("s", 1, "test", 0, 1, 40, 16,
              Windows.BINS, false, data);
          SpectrogramWindow other = Windows.random("o", 2, 80, 40, 99); // shares the call
          WindowClassifier.Outcome out = classifier.classify(List.of(shortWindow, padded, other));
          assertThat(out.rejected()).isEmpty();
          float[] got = out.scored().get(0).logits();
          float[] want = out.scored().get(1).logits();
          for (int c = 0; c < want.length; c++) {
            assertThat((double) got[c]).as(scale + " " + frames + " frames, class " + c)
                .isFinite().isCloseTo(want[c], within(1e-5));
          }
        }
      }
    }
  }

  @Test
  void shouldRefuseAModelFileWhoseSha256DiffersFromItsConfig(@TempDir Path dir) throws IOException {
    ModelConfig tiny = TestModels.tiny();
    Files.copy(tiny.onnxPath(), dir.resolve(tiny.onnxFile()));
    String json = Files.readString(TestModels.TINY_CONFIG).replace(tiny.sha256(), "0".repeat(64));
    Files.writeString(dir.resolve("model.json"), json);
    assertThatThrownBy(() -> OrtClassifier.open(ModelConfig.load(dir),
        OrtClassifier.Options.cpu(1)))
        .isInstanceOf(InvalidModelException.class)
        .hasMessageContaining("sha256").hasMessageContaining(tiny.sha256());
  }

  @Test
  void shouldRunOnCudaExactlyWhereItCanElseFallBackToCpu() {
    try (OrtClassifier runtime = OrtClassifier.open(TestModels.tiny(),
        OrtClassifier.Options.cudaIfAvailable(1))) {
      // the default (CPU) ONNX Runtime jar has no CUDA provider; a GPU run sets elasticast.test.device
      assertThat(runtime.onCuda()).isEqualTo(TestModels.ON_CUDA);
    }
  }

  @Test
  void shouldFindThisProcesssOnnxRuntimeTempDirSoItCanBeRemovedAtExit() {
    OrtClassifier.environment();
    Path dir = OrtClassifier.nativeTempDir();
    // ORT 1.29 extracts its libraries under java.io.tmpdir and leaves this dir behind by itself
    assertThat(dir).isNotNull();
    assertThat(dir.getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
    assertThat(dir.getFileName().toString()).startsWith("onnxruntime-java");
  }
}
