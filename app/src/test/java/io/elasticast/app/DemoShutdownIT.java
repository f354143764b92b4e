package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code elasticast demo} stopped by a signal (SIGTERM here; a terminal's Ctrl-C also signals the
 * broker child, which {@code EmbeddedKafkaBrokerIT} covers) prints its summary, shuts down in
 * order and leaves no process and no temp dir behind. Run as a separate JVM: only a real process
 * gets signals and runs shutdown hooks.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class DemoShutdownIT {

  @Test
  void shouldPrintTheSummaryAndLeaveNothingBehindWhenSignalled(@TempDir Path tmp) throws Exception {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Djava.io.tmpdir=" + tmp, "-cp",
        System.getProperty("java.class.path"), ElasticAstCli.class.getName(),
        "demo", "--duration", "300", "--feeds", "2")
        .redirectErrorStream(true);
    // the bundled model lives at the repository root, as for the launcher
    pb.environment().put("ELASTICAST_HOME", Path.of("..").toAbsolutePath().normalize().toString());
    Process demo = pb.start();
    List<String> lines = new ArrayList<>();
    CompletableFuture<Void> tableStarted = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
          }
          if (line.contains("ALERT") || line.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ \\S+ +\\d.*")) {
            tableStarted.complete(null);
          }
        }
      } catch (Exception e) {
        tableStarted.completeExceptionally(e);
      }
    }, "demo-output");
    reader.start();
    try {
      tableStarted.get(180, TimeUnit.SECONDS);
      List<ProcessHandle> children = demo.descendants().toList();
      assertThat(children).as("the broker runs as a child process").isNotEmpty();

      // SIGTERM through the handle: Process.destroy() would also close our end of its stdout
      demo.toHandle().destroy();
      assertThat(demo.waitFor(90, TimeUnit.SECONDS)).as("demo exits after SIGTERM").isTrue();
      reader.join(10_000);
      String out;
      synchronized (lines) {
        out = String.join("\n", lines);
      }
      assertThat(out).contains("summary: ").contains("done: no processes or temp dirs left behind.");
      assertThat(children).as("child processes after exit").noneMatch(ProcessHandle::isAlive);
      try (Stream<Path> left = Files.list(tmp)) {
        // the demo's own dirs, ONNX Runtime's native-library dir, Flink's web upload dir: all gone
        assertThat(left.map(p -> p.getFileName().toString()).toList()).as("left in " + tmp).isEmpty();
      }
    } finally {
      demo.descendants().forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly();
    }
  }
}
