package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code elasticast cluster} as a user runs it: a JobManager and two TaskManagers in their own
 * JVMs, registered with each other (REST), and after SIGTERM no process and no file left; and
 * {@code job --target remote} submitting the job to it.
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

  /**
   * {@code job --target remote} as a user runs it against {@code elasticast cluster}: the CLI's own
   * jar is shipped to the cluster, the job runs on its TaskManagers, and every window of 8 feeds is
   * on the events topic once (read_committed). The feeds go straight to the normalised topic.
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldRunTheJobSubmittedWithTargetRemoteOnTheCluster(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
        EmbeddedKafkaBroker.Options.defaults().defaultPartitions(4))) {
      broker.createTopics(BrokerCommand.pipelineTopics(4));
      Map<String, List<AudioChunk>> feeds = JobProcessFixtures.feeds(8, 40);
      Path config = JobProcessFixtures.jobConfig(tmp, broker.bootstrapServers(), "remote-it");
      Topics t = Topics.singleObject();
      JobProcessFixtures.produce(broker.bootstrapServers(), t.audioNormalised, feeds, 0, 40);
      List<String> expected = JobProcessFixtures.expectedWindowKeys(feeds);

      Path clusterTmp = Files.createDirectories(tmp.resolve("cluster"));
      Path jobTmp = Files.createDirectories(tmp.resolve("job"));
      try (CliProcess cluster = CliProcess.start(clusterTmp, line -> line.startsWith(ClusterCommand.READY_PREFIX),
          "cluster", "--port", "0", "--taskmanagers", "2", "--slots", "2", "--metrics-ports", "0")) {
        String address = cluster.awaitLine(Duration.ofSeconds(150))
            .substring(ClusterCommand.READY_PREFIX.length()).split(" ")[0];
        var clusterProcesses = cluster.process().descendants().toList();
        try (CliProcess job = CliProcess.start(jobTmp, line -> line.startsWith("job: "),
            "job", "--target", "remote", "--jobmanager", address, "--config", config.toString())) {
          job.awaitLine(Duration.ofSeconds(60));
          List<ClassificationEvent> events = KafkaClients.consume(broker.bootstrapServers(), t.events,
              "read_committed", expected.size(), Duration.ofSeconds(4), Duration.ofSeconds(180))
              .stream().map(ConsumerRecord::value).toList();
          assertThat(EndToEndContract.windowKeys(events)).as("windows of the job on the cluster")
              .containsExactlyInAnyOrderElementsOf(expected);
          String jobs = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://" + address + "/jobs/overview")).build(), HttpResponse.BodyHandlers.ofString()).body();
          assertThat(jobs).contains(ElasticAstJob.JOB_NAME).contains("\"state\":\"RUNNING\"");
          assertThat(job.process().descendants().filter(ProcessHandle::isAlive).count())
              .as("the job runs on the cluster, not in a JVM of the submitting CLI").isZero();
          job.terminate();
          assertThat(job.awaitExit(Duration.ofSeconds(60))).isTrue();
        }
        cluster.terminate();
        assertThat(cluster.awaitExit(Duration.ofSeconds(90))).as("cluster exits after SIGTERM").isTrue();
        assertThat(clusterProcesses).hasSize(3).noneMatch(ProcessHandle::isAlive);
      }
      try (Stream<Path> left = Files.list(clusterTmp)) {
        assertThat(left.map(p -> p.getFileName().toString()).toList()).as("left in " + clusterTmp).isEmpty();
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
