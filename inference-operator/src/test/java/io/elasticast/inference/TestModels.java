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

  static ModelConfig tiny() {
    return ModelConfig.load(TINY_CONFIG);
  }

  static OrtClassifier tinyRuntime() {
    return OrtClassifier.open(tiny(), OrtClassifier.Options.cpu(1));
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
