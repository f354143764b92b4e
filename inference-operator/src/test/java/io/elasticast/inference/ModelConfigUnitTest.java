package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigUnitTest {

  static final String JSON = """
      {"labels": ["speech","siren","alarm","piano","strings","brass","woodwind","drums","engine","noise"],
       "patch_size": 16, "num_mel_bins": 128, "frame_shifts_ms": [10, 20, 40],
       "max_time_positions": 192, "mean": -4.27, "std": 4.57, "output_activation": "softmax",
       "onnx_file": "m.onnx", "sha256": "ABC", "model_id": "tiny", "data_recipe_version": "3",
       "inputs": [{"name": "patches"}, {"name": "freq_pos"}, {"name": "time_pos"},
                  {"name": "sample_ids"}, {"name": "rows"}],
       "outputs": ["logits"], "d_model": 192, "depth": 6, "heads": 3, "something_new": 1}
      """;

  @TempDir Path dir;

  @Test
  void shouldReadTheExportedConfig() throws IOException {
    Files.writeString(dir.resolve("model.json"), JSON);
    ModelConfig c = ModelConfig.load(dir);
    assertThat(c.labels()).hasSize(10).startsWith("speech", "siren");
    assertThat(c.freqPositions()).isEqualTo(8);
    assertThat(c.maxTokensPerWindow()).isEqualTo(192 * 8);
    assertThat(c.frameShiftsMs()).containsExactly(10, 20, 40);
    assertThat(c.std()).isEqualTo(4.57f);
    assertThat(c.outputActivation()).isEqualTo(ModelConfig.OutputActivation.SOFTMAX);
    assertThat(c.sha256()).isEqualTo("abc");
    assertThat(c.inputs()).containsExactlyElementsOf(ModelConfig.CONTRACT_INPUTS);
    assertThat(c.onnxPath()).isEqualTo(dir.resolve("m.onnx"));
    assertThat(c.dModel()).isEqualTo(192);
  }

  @Test
  void shouldReadAnImportedCheckpointsConfig() throws IOException {
    // model/import_checkpoint.py: sigmoid scores, their dataset statistics, switches baked into the graph
    String imported = JSON.replace("\"softmax\"", "\"sigmoid\"").replace("-4.27", "-4.414")
        .replace("4.57", "4.905").replace("\"something_new\": 1", "\"attention_scale\": 1.0, "
            + "\"pool_residual\": false, \"label_ids\": [\"/m/09x0r\"], "
            + "\"source\": {\"code\": \"JiuFengSC/ElasticAST\"}, \"fbank\": {\"clip_mean_subtraction\": true}");
    Files.writeString(dir.resolve("model.json"), imported);
    ModelConfig c = ModelConfig.load(dir);
    assertThat(c.outputActivation()).isEqualTo(ModelConfig.OutputActivation.SIGMOID);
    assertThat(c.mean()).isEqualTo(-4.414f);
    assertThat(c.std()).isEqualTo(4.905f);
  }

  @Test
  void shouldReadPerLabelThresholdsAndRefuseBadOnes() throws IOException {
    Files.writeString(dir.resolve("model.json"), JSON);
    assertThat(ModelConfig.load(dir).thresholds()).as("optional").isEmpty();
    Files.writeString(dir.resolve("model.json"),
        JSON.replace("\"something_new\": 1", "\"thresholds\": {\"siren\": 0.35, \"speech\": 0.5}"));
    assertThat(ModelConfig.load(dir).thresholds()).containsEntry("siren", 0.35f).containsEntry("speech", 0.5f);
    Files.writeString(dir.resolve("model.json"),
        JSON.replace("\"something_new\": 1", "\"thresholds\": {\"dog\": 0.35}"));
    assertThatThrownBy(() -> ModelConfig.load(dir)).isInstanceOf(InvalidModelException.class)
        .hasMessageContaining("label 'dog'");
    Files.writeString(dir.resolve("model.json"),
        JSON.replace("\"something_new\": 1", "\"thresholds\": {\"siren\": 1.5}"));
    assertThatThrownBy(() -> ModelConfig.load(dir)).hasMessageContaining("threshold of siren");
  }

  @Test
  void shouldNameAMissingField() throws IOException {
    Files.writeString(dir.resolve("model.json"), JSON.replace("\"max_time_positions\": 192,", ""));
    assertThatThrownBy(() -> ModelConfig.load(dir)).isInstanceOf(InvalidModelException.class)
        .hasMessageContaining("max_time_positions");
  }

  @Test
  void shouldRefuseADirectoryWithoutConfig() {
    assertThatThrownBy(() -> ModelConfig.load(dir)).isInstanceOf(InvalidModelException.class)
        .hasMessageContaining("no model config");
  }
}
