package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchFeaturesCommandTest {

  @Test
  void shouldSayWhenThePythonSideCannotRun() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new BenchFeaturesCommand());
    cli.setOut(new PrintWriter(new StringWriter(), true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute("--minutes", "0.05", "--repeats", "1", "--python", "/nonexistent/python3");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("cannot start /nonexistent/python3");
  }

  @Test
  void shouldRejectANonPositiveLength() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new BenchFeaturesCommand());
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("--minutes", "0")).isEqualTo(1);
    assertThat(err.toString()).contains("--minutes");
  }
}
