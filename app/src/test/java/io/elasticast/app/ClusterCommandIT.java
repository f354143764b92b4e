package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code elasticast cluster} as a user runs it: a JobManager and two TaskManagers in their own
 * JVMs, registered with each other (REST), and after SIGTERM no process and no file left.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ClusterCommandIT {

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void shouldRunASessionClusterOfSeparateProcessesAndLeaveNothingBehind(@TempDir Path tmp) throws Exception {
    try (CliProcess cluster = CliProcess.start(tmp, line -> line.startsWith(ClusterCommand.READY_PREFIX),
        "cluster", "--port", "0", "--taskmanagers", "2", "--slots", "2")) {
      String ready = cluster.awaitLine(Duration.ofSeconds(150));
      assertThat(ready).contains("taskmanagers=2 slots=4");
      String address = ready.substring(ClusterCommand.READY_PREFIX.length()).split(" ")[0];
      String overview = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://" + address + "/overview")).build(), HttpResponse.BodyHandlers.ofString()).body();
      assertThat(overview).contains("\"taskmanagers\":2").contains("\"slots-total\":4");
      // every process serves its own Prometheus metrics, on a port of the range of its own
      String metrics = awaitLineStarting(cluster, "metrics (Prometheus):");
      var urls = java.util.regex.Pattern.compile("(jobmanager|taskmanager-\\d)=(http://\\S+)")
          .matcher(metrics).results().toList();
      assertThat(urls).extracting(m -> m.group(1))
          .containsExactly("jobmanager", "taskmanager-0", "taskmanager-1");
      assertThat(urls.stream().map(m -> m.group(2)).distinct()).hasSize(3);
      for (var m : urls) {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group(2)))
            .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(body).as(m.group(1) + " at " + m.group(2))
            .contains(m.group(1).equals("jobmanager") ? "flink_jobmanager_" : "flink_taskmanager_");
      }
      // three JVMs besides the CLI's own: the JobManager and two TaskManagers
      assertThat(cluster.process().descendants().filter(ProcessHandle::isAlive).count()).isEqualTo(3);
      var children = cluster.process().descendants().toList();

      cluster.terminate();
      assertThat(cluster.awaitExit(Duration.ofSeconds(90))).as("cluster exits after SIGTERM").isTrue();
      assertThat(cluster.output()).contains("cluster: stopped");
      assertThat(children).noneMatch(ProcessHandle::isAlive);
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left.map(p -> p.getFileName().toString()).toList()).as("left in " + tmp).isEmpty();
      }
    }
  }

  private static String awaitLineStarting(CliProcess p, String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      var line = p.output().lines().filter(l -> l.startsWith(prefix)).findFirst();
      if (line.isPresent()) {
        return line.get();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no line starting '" + prefix + "' in:\n" + p.output());
  }
}
