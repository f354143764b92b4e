package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Flag handling of {@code elasticast normalize} and its benchmark; the topology is tested in stream-ingest. */
class NormalizeCommandTest {

  final StringWriter out = new StringWriter();

  @Test
  void shouldDescribeTheTopicsAndOptions() {
    CommandLine cli = ElasticAstCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("normalize", "--help")).isZero();
    assertThat(out.toString()).contains("audio.raw").contains("audio.normalised")
        .contains("dead-letters").contains("--bootstrap-servers").contains("--threads");
  }

  @Test
  void shouldAcceptTheBritishSpelling() {
    CommandLine cli = ElasticAstCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("normalise", "--help")).isZero();
  }

  @Test
  void shouldOfferTheNormalizerBenchmark() {
    CommandLine cli = ElasticAstCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("bench", "normalizer", "--help")).isZero();
    assertThat(out.toString()).contains("--chunks").contains("--[no-]broker");
  }

  @Test
  void shouldRejectMoreThanThreeTopics() {
    CommandLine cli = ElasticAstCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("normalize", "a", "b", "c", "d")).isEqualTo(2);
    assertThat(err.toString()).contains("at most three topics");
  }
}
