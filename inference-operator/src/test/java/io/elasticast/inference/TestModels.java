package io.elasticast.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;

/** The committed model artifacts (model/artifacts) the tests run on: the tiny random-init export. */
final class TestModels {

  /** Module directory is Surefire's working directory; model/ is its sibling. */
  static final Path ARTIFACTS = Path.of(System.getProperty("user.dir")).toAbsolutePath()
      .getParent().resolve("model").resolve("artifacts");
  static final Path TINY_CONFIG = ARTIFACTS.resolve("model-tiny-random.json");
  static final Path TINY_FIXTURE =
      ARTIFACTS.resolve("fixtures").resolve("elasticast-tiny-random-parity.json");

  private TestModels() {}

  /** Labels per event in the tests' settings. */
  static final int TOP_K = 5;

  /** Settings for the tiny model: one thread, 3072-token calls, 200 ms deadline, 512 waiting. */
  static InferenceSettings tinySettings() {
    return new InferenceSettings(TINY_CONFIG.toString(), 1, false, 3072, 200, 512, TOP_K,
        Patchifier.FeatureScale.RAW_LOG_MEL);
  }

  static ModelConfig tiny() {
    return ModelConfig.load(TINY_CONFIG);
  }

  /**
   * {@code -Delasticast.test.device=cuda} runs the runtime tests on the CUDA execution provider
   * (with GPU native libraries, e.g. {@code -Donnxruntime.native.path=DIR}), and a runtime that
   * falls back to the CPU fails them instead of passing on the CPU.
   */
  static final boolean ON_CUDA = "cuda".equals(System.getProperty("elasticast.test.device", "cpu"));

  static OrtClassifier tinyRuntime() {
    OrtClassifier runtime = OrtClassifier.open(tiny(),
        ON_CUDA ? OrtClassifier.Options.cudaIfAvailable(1) : OrtClassifier.Options.cpu(1));
    if (ON_CUDA && !runtime.onCuda()) {
      runtime.close();
      throw new IllegalStateException("elasticast.test.device=cuda, but ONNX Runtime fell back to"
          + " the CPU (its warning says why)");
    }
    return runtime;
  }

  static JsonNode fixture() {
    try {
      return new ObjectMapper().readTree(TINY_FIXTURE.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static FloatBuffer floats(JsonNode tensor) {
    JsonNode data = tensor.get("data");
    FloatBuffer b = ByteBuffer.allocateDirect(data.size() * 4).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    data.forEach(v -> b.put((float) v.asDouble()));
    return b.flip();
  }

  static LongBuffer longs(JsonNode tensor) {
    JsonNode data = tensor.get("data");
    LongBuffer b = ByteBuffer.allocateDirect(data.size() * 8).order(ByteOrder.nativeOrder())
        .asLongBuffer();
    data.forEach(v -> b.put(v.asLong()));
    return b.flip();
  }

  static int dim(JsonNode tensor, int i) {
    return tensor.get("shape").get(i).asInt();
  }
}
