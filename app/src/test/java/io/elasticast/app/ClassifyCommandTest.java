package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ClassifyCommandTest {

  private static final Path MODULE = Path.of(System.getProperty("user.dir")).toAbsolutePath();
  private static final Path TINY_MODEL =
      MODULE.getParent().resolve("model/artifacts/model-tiny-random.json");
  private static final Path SHIPPED_MODEL = MODULE.getParent().resolve("model/artifacts");
  private static final Path DEMO = MODULE.resolve("src/main/resources/demo-audio");

  private record Run(int code, List<JsonNode> lines, String err) {}

  private static Run classify(String... args) throws Exception {
    CommandLine cli = ElasticAstCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.toString().split("\n")) {
      if (!line.isBlank()) {
        lines.add(new ObjectMapper().readTree(line));
      }
    }
    return new Run(code, lines, err.toString());
  }

  @Test
  void shouldPrintOneJsonLinePerFileWithRankedLabels() throws Exception {
    Run run = classify("classify", "--model", TINY_MODEL.toString(), "--top", "4",
        DEMO.resolve("siren.wav").toString(), DEMO.resolve("speech.wav").toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.lines()).hasSize(2);
    assertThat(run.lines().get(0).get("file").asText()).endsWith("siren.wav");
    assertThat(run.lines().get(1).get("file").asText()).endsWith("speech.wav");
    for (JsonNode line : run.lines()) {
      JsonNode top = line.get("top");
      assertThat(top).hasSize(4);
      assertThat(line.get("label").asText()).isEqualTo(top.get(0).get("label").asText());
      assertThat(line.get("score").floatValue()).isEqualTo(top.get(0).get("score").floatValue());
      for (int i = 1; i < top.size(); i++) {
        assertThat(top.get(i).get("score").floatValue())
            .isLessThanOrEqualTo(top.get(i - 1).get("score").floatValue());
      }
    }
  }

  @Test
  void shouldGiveTheSameScoresWhetherAFileRunsAloneOrPackedWithOthers() throws Exception {
    String siren = DEMO.resolve("siren.wav").toString();
    Run alone = classify("classify", "--model", TINY_MODEL.toString(), "--frame-shift-ms", "20", siren);
    Run packed = classify("classify", "--model", TINY_MODEL.toString(), "--frame-shift-ms", "20",
        DEMO.resolve("music.wav").toString(), siren, DEMO.resolve("vehicle.wav").toString());
    JsonNode packedTop = packed.lines().get(1).get("top");
    JsonNode aloneTop = alone.lines().get(0).get("top");
    for (int i = 0; i < aloneTop.size(); i++) {
      assertThat(packedTop.get(i).get("label").asText())
          .isEqualTo(aloneTop.get(i).get("label").asText());
      assertThat(packedTop.get(i).get("score").doubleValue())
          .isCloseTo(aloneTop.get(i).get("score").doubleValue(), within(1e-5));
    }
  }

  @Test
  void shouldCapLongFilesAndReportUnreadableOnesWithoutStopping(@TempDir Path dir)
      throws Exception {
    Path notAudio = Files.writeString(dir.resolve("notes.wav"), "not audio");
    Run run = classify("classify", "--model", TINY_MODEL.toString(), "--max-seconds", "0.2",
        notAudio.toString(), DEMO.resolve("alarm.wav").toString(),
        dir.resolve("missing.wav").toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.lines()).hasSize(3);
    assertThat(run.lines().get(0).get("error").asText()).contains("notes.wav");
    // 0.2 s at 10 ms is 18 frames: one 16-frame patch, still classifiable
    assertThat(run.lines().get(1).has("label")).isTrue();
    assertThat(run.lines().get(2).get("error").asText()).contains("no such file");

    // 0.1 s at 10 ms is 8 frames: padded to one patch, as in training
    Run short8 = classify("classify", "--model", TINY_MODEL.toString(), "--max-seconds", "0.1",
        DEMO.resolve("alarm.wav").toString());
    assertThat(short8.code()).as(short8.err()).isZero();
    assertThat(short8.lines().get(0).has("label")).isTrue();

    // 10 ms is not one 25 ms frame: nothing to classify
    Run tooShort = classify("classify", "--model", TINY_MODEL.toString(), "--max-seconds", "0.01",
        DEMO.resolve("alarm.wav").toString());
    assertThat(tooShort.code()).isEqualTo(1);
    assertThat(tooShort.lines().get(0).get("error").asText()).contains("shorter than one");
  }

  /** A 0.1 s click (a decaying noise burst), 16-bit mono 16 kHz. */
  private static Path clickWav(Path dir) throws Exception {
    int n = 1600;
    byte[] pcm = new byte[2 * n];
    java.util.Random rnd = new java.util.Random(5);
    for (int i = 0; i < n; i++) {
      double v = 0.8 * Math.exp(-i / 200.0) * (2 * rnd.nextDouble() - 1);
      short q = (short) Math.round(v * Short.MAX_VALUE);
      pcm[2 * i] = (byte) q;
      pcm[2 * i + 1] = (byte) (q >> 8);
    }
    javax.sound.sampled.AudioFormat format = new javax.sound.sampled.AudioFormat(16000f, 16, 1, true, false);
    Path file = dir.resolve("click.wav");
    try (javax.sound.sampled.AudioInputStream in = new javax.sound.sampled.AudioInputStream(
        new java.io.ByteArrayInputStream(pcm), format, n)) {
      javax.sound.sampled.AudioSystem.write(in, javax.sound.sampled.AudioFileFormat.Type.WAVE,
          file.toFile());
    }
    return file;
  }

  @Test
  void shouldClassifyAClickShorterThanOnePatchWithTheShippedModel(@TempDir Path dir)
      throws Exception {
    Path click = clickWav(dir);
    // 0.1 s: 8 frames at 10 ms, 2 at 40 ms; either is padded to one 16-frame patch
    for (String shift : new String[] {"10", "40"}) {
      Run run = classify("classify", "--model", SHIPPED_MODEL.toString(), "--frame-shift-ms", shift,
          "--top", "3", click.toString());
      assertThat(run.code()).as(shift + " ms: " + run.err() + run.lines()).isZero();
      JsonNode line = run.lines().get(0);
      assertThat(line.has("error")).as(line.toString()).isFalse();
      assertThat(line.get("label").asText()).isNotBlank();
      assertThat(Double.isFinite(line.get("score").doubleValue())).isTrue();
      assertThat(line.get("top")).hasSize(3);
      for (JsonNode s : line.get("top")) {
        assertThat(Double.isFinite(s.get("score").doubleValue())).as(line.toString()).isTrue();
      }
      assertThat(line.get("detected").isArray()).isTrue();
    }
  }

  @Test
  void shouldListEveryLabelAtOrAboveItsThresholdAsDetected(@TempDir Path dir) throws Exception {
    // a copy of the tiny model whose thresholds put every label in, and one that puts every label out
    String json = Files.readString(TINY_MODEL);
    JsonNode config = new ObjectMapper().readTree(json);
    Files.copy(TINY_MODEL.resolveSibling(config.get("onnx_file").asText()),
        dir.resolve(config.get("onnx_file").asText()));
    List<String> labels = new ArrayList<>();
    config.get("labels").forEach(l -> labels.add(l.asText()));
    String siren = DEMO.resolve("siren.wav").toString();
    for (float threshold : new float[] {1e-6f, 0.999999f}) {
      com.fasterxml.jackson.databind.node.ObjectNode edited =
          (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(json);
      com.fasterxml.jackson.databind.node.ObjectNode t = edited.putObject("thresholds");
      labels.forEach(l -> t.put(l, threshold));
      Path model = dir.resolve(threshold < 0.5f ? "model-all.json" : "model-none.json");
      Files.writeString(model, edited.toString());
      Run run = classify("classify", "--model", model.toString(), "--top", "2", siren);
      assertThat(run.code()).as(run.err()).isZero();
      JsonNode detected = run.lines().get(0).get("detected");
      if (threshold < 0.5f) {
        assertThat(detected).hasSize(labels.size()); // more than the top 2
        for (int i = 1; i < detected.size(); i++) {
          assertThat(detected.get(i).get("score").floatValue())
              .isLessThanOrEqualTo(detected.get(i - 1).get("score").floatValue());
        }
        assertThat(detected.get(0).get("label").asText())
            .isEqualTo(run.lines().get(0).get("label").asText());
      } else {
        assertThat(detected).isEmpty();
      }
    }
  }

  @Test
  void shouldExplainAMissingModel(@TempDir Path dir) throws Exception {
    Run run = classify("classify", "--model", dir.toString(), DEMO.resolve("alarm.wav").toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("error:").contains("model.json").doesNotContain("Exception");
  }
}
