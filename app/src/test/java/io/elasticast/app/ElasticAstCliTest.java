package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ElasticAstCliTest {

  @Test
  void shouldListSubcommandsInHelp() {
    CommandLine cli = ElasticAstCli.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out));
    int code = cli.execute("--help");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("broker").contains("bench");
  }

  @Test
  void shouldRejectAnUnknownSubcommandWithAUsageError() {
    CommandLine cli = ElasticAstCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute("no-such-thing")).isEqualTo(2);
    assertThat(err.toString()).contains("no-such-thing");
  }

  @Test
  void shouldRefuseToRestoreFromAPathThatDoesNotExist() {
    CommandLine cli = ElasticAstCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    assertThat(cli.execute("job", "--from", "/no/such/savepoint", "--bootstrap-servers", "localhost:1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--from /no/such/savepoint does not exist");
  }
}
