package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rescaling from a savepoint on a session cluster (two TaskManagers of two slots). Fault: the job
 * runs at parallelism 2, is stopped with a savepoint mid-stream, and the same job is started from
 * that savepoint at parallelism 3 (set in Flink's configuration, as a cluster operator would),
 * while the rest of the stream arrives. Counted: every window of 8 feeds on the events topic
 * exactly once (read_committed): the featurizer's keyed per-feed state moved with its feeds, and
 * the inference operator had no waiting window in the savepoint to hand to the wrong subtask;
 * each feed's windows of one length and resolution in stream order on their partition; the
 * restarted job's operators at parallelism 3. Bound: 6 minutes.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ClusterRescaleIT {

  static final int FEEDS = 8;
  static final int CHUNKS = 80;
  static final int CUT = 40;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void shouldKeepEveryFeedsWindowsOnceAndInOrderAcrossARescaleFromTwoToThree(@TempDir Path tmp)
      throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
        EmbeddedKafkaBroker.Options.defaults().defaultPartitions(4))) {
      broker.createTopics(BrokerCommand.pipelineTopics(4));
      Topics t = Topics.singleObject();
      Map<String, List<AudioChunk>> feeds = JobProcessFixtures.feeds(FEEDS, CHUNKS);
      JobConfig config = JobConfig.load(JobProcessFixtures.jobConfig(tmp, broker.bootstrapServers(), "rescale-it"));
      assertThat(config.parallelism).isEqualTo(2);
      JobProcessFixtures.produce(broker.bootstrapServers(), t.audioNormalised, feeds, 0, CUT);

      try (FlinkCluster cluster = FlinkCluster.start(FlinkCluster.Options.defaults()
          .slotsPerTaskManager(2))) {
        JobClient before = ClusterJobs.submit(cluster, config, new Configuration());
        assertThat(KafkaClients.consume(broker.bootstrapServers(), t.events, "read_committed", 1,
            Duration.ZERO, Duration.ofSeconds(120))).as("events before the savepoint").isNotEmpty();
        String savepoint = before.stopWithSavepoint(false, tmp.resolve("savepoints").toUri().toString(),
            SavepointFormatType.CANONICAL).get(120, TimeUnit.SECONDS);
        int windowsBefore = KafkaClients.consume(broker.bootstrapServers(), t.events, "read_committed",
            1, Duration.ofSeconds(2), Duration.ofSeconds(30)).size();

        JobProcessFixtures.produce(broker.bootstrapServers(), t.audioNormalised, feeds, CUT, CHUNKS);
        Configuration rescaled = new Configuration();
        rescaled.set(CoreOptions.DEFAULT_PARALLELISM, 3);
        rescaled.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        String after = ClusterJobs.submit(cluster, config, rescaled).getJobID().toString();
        ClusterJobs.awaitState(cluster, after, "RUNNING", Duration.ofSeconds(60));

        List<String> expected = JobProcessFixtures.expectedWindowKeys(feeds);
        List<ConsumerRecord<String, ClassificationEvent>> records = KafkaClients.consume(
            broker.bootstrapServers(), t.events, "read_committed", expected.size(),
            Duration.ofSeconds(4), Duration.ofSeconds(240));
        List<ClassificationEvent> events = records.stream().map(ConsumerRecord::value).toList();
        System.out.printf("rescale 2 -> 3: %d windows before the savepoint, %d of %d in all%n",
            windowsBefore, events.size(), expected.size());
        assertThat(windowsBefore).isPositive().isLessThan(expected.size());
        assertThat(EndToEndContract.windowKeys(events)).as(() -> diagnosis(broker, t, cluster))
            .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(outOfOrder(records)).as("windows behind an earlier one of their feed").isEmpty();
        String job = cluster.rest("/jobs/" + after);
        assertThat(job).contains("\"name\":\"fbank-windows").containsPattern("\"parallelism\"\\s*:\\s*3");
        ClusterJobs.cancel(cluster, after);
      }
    }
  }

  /** What the events topic holds uncommitted, and what the cluster logged of transactions. */
  static String diagnosis(EmbeddedKafkaBroker broker, Topics t, FlinkCluster cluster) {
    var uncommitted = KafkaClients.consume(broker.bootstrapServers(), t.events, "read_uncommitted",
        Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ofSeconds(15));
    StringBuilder sb = new StringBuilder("read_uncommitted: " + uncommitted.size() + " records; by partition "
        + uncommitted.stream().collect(java.util.stream.Collectors.groupingBy(ConsumerRecord::partition,
            java.util.TreeMap::new, java.util.stream.Collectors.counting())) + "\n");
    try (var logs = java.nio.file.Files.list(cluster.workDir().resolve("log"))) {
      for (Path log : logs.sorted().toList()) {
        java.nio.file.Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1).stream()
            .filter(l -> l.matches("(?i).*(transaction|fenced|abort|restor|committ).*")
                && !l.contains("Name collision"))
            .forEach(l -> sb.append(log.getFileName()).append(": ").append(l).append('\n'));
      }
    } catch (java.io.IOException e) {
      sb.append(e);
    }
    return sb.toString();
  }

  /**
   * Windows that come, on their partition, after a later window of the same feed, frame shift and
   * length: a feed's windows of one kind must keep their order across the rescale.
   */
  static List<String> outOfOrder(List<ConsumerRecord<String, ClassificationEvent>> records) {
    Map<String, Long> lastStart = new LinkedHashMap<>();
    List<String> late = new ArrayList<>();
    records.stream()
        .sorted(java.util.Comparator.comparingInt((ConsumerRecord<String, ClassificationEvent> r) -> r.partition())
            .thenComparingLong(ConsumerRecord::offset))
        .forEach(r -> {
          ClassificationEvent e = r.value();
          String kind = e.getStreamId() + " @" + e.getFrameShiftMs() + "ms x" + e.getFrames();
          Long previous = lastStart.put(kind, e.getWindowStartMicros());
          if (previous != null && previous >= e.getWindowStartMicros()) {
            late.add(kind + " start " + e.getWindowStartMicros() + " after " + previous);
          }
        });
    return late;
  }
}
