package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    try (CliProcess job = CliProcess.start(tmp, line -> WEB_UI.matcher(line).find(),
        "job", "--bootstrap-servers", "localhost:1")) {
      Matcher ui = WEB_UI.matcher(job.awaitLine(Duration.ofSeconds(120)));
      assertThat(ui.find()).isTrue();
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      String overview = "";
      while (!overview.contains("\"RUNNING\"") && System.nanoTime() < deadline) {
        Thread.sleep(500);
        try {
          overview = http.send(HttpRequest.newBuilder(URI.create(ui.group(1) + "/jobs/overview"))
              .build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException notUpYet) {
          // the REST endpoint is still starting
        }
      }
      assertThat(overview).as("the job runs on the local cluster").contains("\"RUNNING\"");

      job.terminate();
      assertThat(job.awaitExit(Duration.ofSeconds(90))).as("job exits after SIGTERM").isTrue();
      assertThat(job.output()).contains("job: stopping").contains("job: stopped");
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left.map(p -> p.getFileName().toString()).toList()).as("left in " + tmp).isEmpty();
      }
    }
  }
}
