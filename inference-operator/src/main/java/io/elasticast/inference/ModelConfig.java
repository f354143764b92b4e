package io.elasticast.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the serving side needs to know about an exported model, read from the {@code model.json}
 * that {@code model/export_onnx.py} writes next to the {@code .onnx} file. Field names follow the
 * file (snake_case); unknown fields are ignored so the export can grow. {@code thresholds}
 * (optional): per label, the score at which the model's trainer found it present, chosen on
 * validation data; incidents open at it unless the job configures the label's own.
 */
public record ModelConfig(
    Path directory,
    List<String> labels,
    int patchSize,
    int numMelBins,
    List<Integer> frameShiftsMs,
    int maxTimePositions,
    float mean,
    float std,
    OutputActivation outputActivation,
    String onnxFile,
    String sha256,
    String modelId,
    String dataRecipeVersion,
    List<String> inputs,
    List<String> outputs,
    int dModel,
    int depth,
    int heads,
    Map<String, Float> thresholds) {

  public static final String FILE_NAME = "model.json";
  /** The input names of the serving contract, in the order the graph declares them. */
  public static final List<String> CONTRACT_INPUTS =
      List.of("patches", "freq_pos", "time_pos", "sample_ids", "rows");
  public static final String CONTRACT_OUTPUT = "logits";

  /** How logits become scores. */
  public enum OutputActivation {
    SOFTMAX,
    SIGMOID;

    static OutputActivation parse(String name) {
      for (OutputActivation a : values()) {
        if (a.name().equalsIgnoreCase(name)) {
          return a;
        }
      }
      throw new IllegalArgumentException(
          "output_activation '" + name + "' is neither softmax nor sigmoid");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads {@code path/model.json} when {@code path} is a directory, else the config file itself
   * (e.g. {@code model-tiny-random.json}); its ONNX file is resolved next to it. A missing file or
   * field is an {@link InvalidModelException}.
   */
  public static ModelConfig load(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isRegularFile(file)) {
      throw new InvalidModelException("no model config " + file + " (expected " + FILE_NAME
          + " in a model directory)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new InvalidModelException("cannot parse " + file + ": " + e.getMessage(), e);
    }
    try {
      return fromJson(dir, root);
    } catch (IllegalArgumentException e) {
      throw new InvalidModelException(file + ": " + e.getMessage(), e);
    }
  }

  static ModelConfig fromJson(Path dir, JsonNode root) {
    List<String> labels = strings(required(root, "labels"));
    int patchSize = required(root, "patch_size").asInt();
    int bins = required(root, "num_mel_bins").asInt();
    if (patchSize <= 0 || bins % patchSize != 0) {
      throw new IllegalArgumentException(
          "num_mel_bins " + bins + " is not a multiple of patch_size " + patchSize);
    }
    List<Integer> shifts = new ArrayList<>();
    for (JsonNode s : required(root, "frame_shifts_ms")) {
      shifts.add(s.asInt());
    }
    float std = (float) required(root, "std").asDouble();
    if (!(std > 0)) {
      throw new IllegalArgumentException("std must be positive, got " + std);
    }
    return new ModelConfig(
        dir,
        List.copyOf(labels),
        patchSize,
        bins,
        List.copyOf(shifts),
        required(root, "max_time_positions").asInt(),
        (float) required(root, "mean").asDouble(),
        std,
        OutputActivation.parse(required(root, "output_activation").asText()),
        required(root, "onnx_file").asText(),
        required(root, "sha256").asText().toLowerCase(),
        root.path("model_id").asText(required(root, "onnx_file").asText()),
        root.path("data_recipe_version").asText(""),
        root.has("inputs") ? names(root.get("inputs")) : CONTRACT_INPUTS,
        root.has("outputs") ? names(root.get("outputs")) : List.of(CONTRACT_OUTPUT),
        root.path("d_model").asInt(0),
        root.path("depth").asInt(0),
        root.path("heads").asInt(0),
        thresholds(root.get("thresholds"), labels));
  }

  private static Map<String, Float> thresholds(JsonNode node, List<String> labels) {
    Map<String, Float> out = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("thresholds must be an object of label: score");
    }
    node.fields().forEachRemaining(e -> {
      if (!labels.contains(e.getKey())) {
        throw new IllegalArgumentException("thresholds names label '" + e.getKey()
            + "', which is not one of the model's labels " + labels);
      }
      double t = e.getValue().asDouble(Double.NaN);
      if (!e.getValue().isNumber() || !(t > 0 && t < 1)) {
        throw new IllegalArgumentException("threshold of " + e.getKey() + " must be a number in (0, 1), got "
            + e.getValue());
      }
      out.put(e.getKey(), (float) t);
    });
    return Map.copyOf(out);
  }

  /**
   * The raw log-mel value a window shorter than one patch is padded with, up to one patch, before
   * normalisation: training and evaluation do so ({@code model/train.py:clip_tokens_from_fbank},
   * model/README.md "Serving contract").
   */
  public static final float PADDING_LOG_MEL = 0f;

  /** The model's feature normalisation {@code (x - mean) / (2 * std)} of one raw log-mel value. */
  public float normalise(float logMel) {
    return (logMel - mean) * normalisationScale();
  }

  /** {@code 1 / (2 * std)}: the factor of {@link #normalise}. */
  public float normalisationScale() {
    return 1f / (2f * std);
  }

  /**
   * What a frame missing from a window shorter than one patch holds, in the normalised domain the
   * model reads: {@code (0 - mean) / (2 * std)}, the normalised raw log-mel {@link #PADDING_LOG_MEL}.
   */
  public float paddingValue() {
    return normalise(PADDING_LOG_MEL);
  }

  public Path onnxPath() {
    return directory.resolve(onnxFile);
  }

  public int freqPositions() {
    return numMelBins / patchSize;
  }

  /** Tokens of the longest window the model's time table can place. */
  public int maxTokensPerWindow() {
    return maxTimePositions * freqPositions();
  }

  public int numClasses() {
    return labels.size();
  }

  private static JsonNode required(JsonNode root, String field) {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      throw new IllegalArgumentException("missing field '" + field + "'");
    }
    return node;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Accepts ["patches", ...] or [{"name": "patches", ...}, ...]. */
  private static List<String> names(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.isObject() ? n.path("name").asText() : n.asText()));
    return List.copyOf(out);
  }
}
