package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Flag handling of {@code elasticast ingest}; the ingest logic is tested in stream-ingest. */
class IngestCommandTest {

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    CommandLine cli = ElasticAstCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void shouldListTheIngestOptions() {
    assertThat(run("ingest", "--help")).isZero();
    assertThat(out.toString()).contains("--feeds").contains("--loop").contains("--no-pace")
        .contains("--chunk-ms").contains("--bootstrap-servers").contains("--topic");
  }

  @Test
  void shouldRefuseStdinWithoutItsFormat() {
    assertThat(run("ingest", "-", "--rate", "16000")).isEqualTo(2);
    assertThat(err.toString()).contains("error: reading - (stdin) needs --format");
  }

  @Test
  void shouldRefuseRawFormatFlagsWithoutStdin() {
    assertThat(run("ingest", "a.wav", "--format", "s16le")).isEqualTo(2);
    assertThat(err.toString()).contains("give - as a source");
  }

  @Test
  void shouldRefuseALoopPauseWithoutLoop() {
    assertThat(run("ingest", "a.wav", "--loop-pause-ms", "3000")).isEqualTo(2);
    assertThat(err.toString()).contains("--loop-pause-ms").contains("needs --loop");
  }

  @Test
  void shouldRefuseAnUnknownRawFormat() {
    assertThat(run("ingest", "-", "--format", "mulaw", "--rate", "8000", "--channels", "1")).isEqualTo(2);
    assertThat(err.toString()).contains("mulaw");
  }

  @Test
  void shouldTakeTheBrokerFromTheFlagThenTheConfigFileThenLocalhost(@TempDir Path dir) throws Exception {
    var spec = ElasticAstCli.commandLine().getSubcommands().get("ingest").getCommandSpec();
    Path yaml = dir.resolve("job.yaml");
    Files.writeString(yaml, "kafka:\n  bootstrap-servers: kafka-a:9093\n");
    assertThat(IngestCommand.bootstrapServers("flag:1", yaml, spec)).isEqualTo("flag:1");
    assertThat(IngestCommand.bootstrapServers(null, yaml, spec)).isEqualTo("kafka-a:9093");
    assertThat(IngestCommand.bootstrapServers(null, null, spec)).isEqualTo("localhost:9092");
  }

  @Test
  void shouldReportAMissingConfigFileAsAUsageError() {
    assertThat(run("ingest", "--config", "/no/such/job.yaml", "a.wav")).isEqualTo(2);
    assertThat(err.toString()).contains("error: config file /no/such/job.yaml does not exist");
  }

  @Test
  void shouldNeedASource() {
    assertThat(run("ingest")).isEqualTo(2);
    assertThat(err.toString()).contains("SOURCE");
  }
}
