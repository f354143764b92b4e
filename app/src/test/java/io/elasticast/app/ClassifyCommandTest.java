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
        DEMO.resolve("drums.wav").toString(), siren, DEMO.resolve("engine.wav").toString());
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

    Run tooShort = classify("classify", "--model", TINY_MODEL.toString(), "--max-seconds", "0.1",
        DEMO.resolve("alarm.wav").toString());
    assertThat(tooShort.lines().get(0).get("error").asText()).contains("fewer than one");
  }

  @Test
  void shouldExplainAMissingModel(@TempDir Path dir) throws Exception {
    Run run = classify("classify", "--model", dir.toString(), DEMO.resolve("alarm.wav").toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("error:").contains("model.json").doesNotContain("Exception");
  }
}
