package io.elasticast.app;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An {@code elasticast} command in a child JVM with its own {@code java.io.tmpdir}: only a real
 * process gets signals and runs shutdown hooks. Its output (stdout and stderr) is collected line
 * by line; {@link #awaitLine} waits for the first line the given test accepts.
 */
final class CliProcess implements AutoCloseable {

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  private final Thread reader;

  private CliProcess(Process process, Predicate<String> readyLine) {
    this.process = process;
    this.reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
          }
          if (!ready.isDone() && readyLine.test(line)) {
            ready.complete(line);
          }
        }
        ready.completeExceptionally(new IllegalStateException("output ended before the line"
            + " awaited; it was:\n" + output()));
      } catch (Exception e) {
        ready.completeExceptionally(e);
      }
    }, "cli-output");
    reader.start();
  }

  /** Starts {@code elasticast args...} with the repository's model and {@code tmp} as temp dir. */
  static CliProcess start(Path tmp, Predicate<String> readyLine, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
        ElasticAstCli.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    // the bundled model lives at the repository root, as for the launcher
    pb.environment().put("ELASTICAST_HOME", Path.of("..").toAbsolutePath().normalize().toString());
    return new CliProcess(pb.start(), readyLine);
  }

  /** The first output line {@code readyLine} accepted, once it has been printed. */
  String awaitLine(Duration timeout) throws Exception {
    return ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  Process process() {
    return process;
  }

  /** SIGTERM through the handle: Process.destroy() would also close our end of its output. */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Waits for the process to exit and its output to be read; false if it is still running. */
  boolean awaitExit(Duration timeout) throws InterruptedException {
    boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (exited) {
      reader.join(10_000);
    }
    return exited;
  }

  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
