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
 * order and leaves no process and no temp dir behind, with the job in its own JVM or on a session
 * cluster of separate processes.
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

  /**
   * {@code demo --cluster}: the job runs on a session cluster whose JobManager and TaskManagers are
   * processes of their own, scores windows there, and a signal stops all of them.
   */
  @Test
  void shouldRunTheJobOnASessionClusterOfItsOwnProcessesAndStopThemAll(@TempDir Path tmp) throws Exception {
    try (CliProcess demo = CliProcess.start(tmp,
        line -> line.contains(" windows/s, latency") && !line.startsWith("0.0 windows/s"),
        "demo", "--cluster", "--duration", "300", "--feeds", "2", "--dashboard-port", "0")) {
      demo.awaitLine(Duration.ofSeconds(240)); // windows scored by the cluster's TaskManagers
      List<ProcessHandle> children = demo.process().descendants().toList();
      List<String> commands = children.stream()
          .map(p -> p.info().commandLine().orElse("")).toList();
      assertThat(commands).as("the demo's child processes")
          // each cluster process logs to its own file (the main class lies past a long classpath)
          .anyMatch(c -> c.contains("/log/jobmanager.log"))
          .filteredOn(c -> c.contains("/log/taskmanager-")).hasSize(2);
      assertThat(demo.output()).contains("starting a Flink session cluster");

      demo.terminate();
      assertThat(demo.awaitExit(Duration.ofSeconds(120))).as("demo exits after SIGTERM").isTrue();
      assertThat(demo.output()).containsPattern("summary: [1-9][0-9]* events")
          .contains("done: no processes or temp dirs left behind.");
      assertThat(children).as("child processes after exit").noneMatch(ProcessHandle::isAlive);
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left.map(p -> p.getFileName().toString()).toList()).as("left in " + tmp).isEmpty();
      }
    }
  }
}
