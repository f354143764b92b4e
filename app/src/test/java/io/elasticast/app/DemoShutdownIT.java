package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code elasticast demo} stopped by a signal (SIGTERM here; a terminal's Ctrl-C also signals the
 * broker child, which {@code EmbeddedKafkaBrokerIT} covers) prints its summary, shuts down in
 * order and leaves no process and no temp dir behind.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class DemoShutdownIT {

  @Test
  void shouldPrintTheSummaryAndLeaveNothingBehindWhenSignalled(@TempDir Path tmp) throws Exception {
    try (CliProcess demo = CliProcess.start(tmp,
        // a status table with windows in it (without a terminal it is printed every 10 s)
        line -> line.contains(" windows/s, latency") && !line.startsWith("0.0 windows/s"),
        "demo", "--duration", "300", "--feeds", "2")) {
      demo.awaitLine(Duration.ofSeconds(180)); // windows are being scored
      List<ProcessHandle> children = demo.process().descendants().toList();
      assertThat(children).as("the broker runs as a child process").isNotEmpty();

      demo.terminate();
      assertThat(demo.awaitExit(Duration.ofSeconds(90))).as("demo exits after SIGTERM").isTrue();
      assertThat(demo.output()).contains("summary: ")
          .contains("done: no processes or temp dirs left behind.");
      assertThat(children).as("child processes after exit").noneMatch(ProcessHandle::isAlive);
      try (Stream<Path> left = Files.list(tmp)) {
        // the demo's own dirs, ONNX Runtime's native-library dir, Flink's web upload dir: all gone
        assertThat(left.map(p -> p.getFileName().toString()).toList()).as("left in " + tmp).isEmpty();
      }
    }
  }
}
