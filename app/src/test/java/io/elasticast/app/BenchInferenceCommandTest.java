package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A tiny run of the inference bench: its table and the exact last line (no speed asserted). */
class BenchInferenceCommandTest {

  private static final Path MODULE = Path.of(System.getProperty("user.dir")).toAbsolutePath();
  private static final Path ROOT = MODULE.getParent();
  private static final Pattern LAST_LINE = Pattern.compile(
      "packed/best_1s=(\\S+) packed/best_10s=(\\S+) packed/best_mixed=(\\S+)"
          + " packed/best_multiscale=(\\S+) packed/best_multires=(\\S+) attention_density=(\\S+)");

  @Test
  void shouldPrintTheTableAndTheRatioLine() {
    CommandLine cli = ElasticAstCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute("bench", "inference",
        "--model", ROOT.resolve("model/artifacts/model-tiny-random.json").toString(),
        "--model-code", ROOT.resolve("model").toString(),
        "--scale", "0.05", "--rounds", "1", "--threads", "1");

    assertThat(code).as(err.toString()).isZero();
    String[] lines = out.toString().strip().split("\n");
    Matcher m = LAST_LINE.matcher(lines[lines.length - 1]);
    assertThat(m.matches()).as(lines[lines.length - 1]).isTrue();
    for (int g = 1; g <= 6; g++) {
      assertThat(Double.parseDouble(m.group(g))).isPositive();
    }
    assertThat(Double.parseDouble(m.group(6))).isLessThanOrEqualTo(1.0); // Σl² / ΣL²
    assertThat(out.toString()).contains("one-at-a-time", "padded-4", "padded-32", "packed",
        "pytorch-eager", "BLAS", "linear", "attention", "gathers",
        "packed/best if packing wasted nothing");
    // every workload's estimate names the baseline it came from
    assertThat(out.toString().lines().filter(l -> l.matches("  \\S+ +\\d+\\.\\d\\d \\(from .*"))
        .count()).isEqualTo(5);
  }
}
