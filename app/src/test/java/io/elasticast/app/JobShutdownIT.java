package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code elasticast job} on its local MiniCluster, stopped by SIGTERM while the job runs: it
 * cancels the job, closes the cluster and leaves nothing in the temp dir (it used to leave the
 * cluster's working dir, a 21 MB RPC jar and the web upload dir on every run). No broker is
 * needed: the Kafka source keeps retrying a closed port while the job is RUNNING.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class JobShutdownIT {

  private static final Pattern WEB_UI = Pattern.compile("Flink web UI: (http://\\S+)");

  @Test
  void shouldCancelTheJobAndLeaveNothingBehindWhenSignalled(@TempDir Path tmp) throws Exception {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Djava.io.tmpdir=" + tmp, "-cp",
        System.getProperty("java.class.path"), ElasticAstCli.class.getName(),
        "job", "--bootstrap-servers", "localhost:1")
        .redirectErrorStream(true);
    pb.environment().put("ELASTICAST_HOME", Path.of("..").toAbsolutePath().normalize().toString());
    Process job = pb.start();
    List<String> lines = new ArrayList<>();
    CompletableFuture<String> webUi = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(job.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
          }
          Matcher m = WEB_UI.matcher(line);
          if (m.find()) {
            webUi.complete(m.group(1));
          }
        }
      } catch (Exception e) {
        webUi.completeExceptionally(e);
      }
    }, "job-output");
    reader.start();
    try {
      String ui = webUi.get(120, TimeUnit.SECONDS);
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      String overview = "";
      while (!overview.contains("\"RUNNING\"") && System.nanoTime() < deadline) {
        Thread.sleep(500);
        try {
          overview = http.send(HttpRequest.newBuilder(URI.create(ui + "/jobs/overview")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException notUpYet) {
          // the REST endpoint is still starting
        }
      }
      assertThat(overview).as("the job runs on the local cluster").contains("\"RUNNING\"");

      job.toHandle().destroy(); // SIGTERM
      assertThat(job.waitFor(90, TimeUnit.SECONDS)).as("job exits after SIGTERM").isTrue();
      reader.join(10_000);
      String out;
      synchronized (lines) {
        out = String.join("\n", lines);
      }
      assertThat(out).contains("job: stopping").contains("job: stopped");
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left.map(p -> p.getFileName().toString()).toList()).as("left in " + tmp).isEmpty();
      }
    } finally {
      job.destroyForcibly();
    }
  }
}
