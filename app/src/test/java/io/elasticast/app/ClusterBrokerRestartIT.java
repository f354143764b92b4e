package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops mid-stream and comes back 3 s later on the same port and data dir, while the
 * normaliser (Kafka Streams, exactly-once) and the job on a session cluster (two TaskManagers,
 * parallelism 2) keep running; nobody restarts them. Counted: every raw chunk normalised once;
 * every window of 8 feeds on the events topic exactly once (read_committed); the job RUNNING
 * afterwards. Bound: 7 minutes.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ClusterBrokerRestartIT {

  @Test
  @Timeout(value = 7, unit = TimeUnit.MINUTES)
  void shouldRecoverByItselfWhenTheBrokerRestartsUnderTheCluster(@TempDir Path tmp) throws Exception {
    EmbeddedKafkaBroker.Options options = EmbeddedKafkaBroker.Options.defaults()
        .port(JobCommand.freePort()).defaultPartitions(4).dataDir(tmp.resolve("kafka"));
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options);
    try {
      LocalPipeline pipeline = LocalPipeline.onBroker(broker.bootstrapServers())
          .startNormaliser(LocalPipeline.quiet());
      try (pipeline; FlinkCluster cluster = FlinkCluster.start(FlinkCluster.Options.defaults()
          .slotsPerTaskManager(1))) {
        Topics t = pipeline.topics();
        Map<String, List<AudioChunk>> feeds = JobProcessFixtures.feeds(JobBrokerRestartIT.FEEDS,
            JobBrokerRestartIT.CHUNKS);
        JobConfig config = JobConfig.load(JobProcessFixtures.jobConfig(tmp, broker.bootstrapServers(),
            "cluster-restart-it"));
        JobProcessFixtures.produce(broker.bootstrapServers(), t.audioRaw, feeds, 0, JobBrokerRestartIT.CUT);
        String jobId = ClusterJobs.submit(cluster, config, new Configuration()).getJobID().toString();
        assertThat(KafkaClients.consume(broker.bootstrapServers(), t.events, "read_committed", 1,
            Duration.ZERO, Duration.ofSeconds(120))).as("events before the broker stops").isNotEmpty();

        broker.close();
        Thread.sleep(3_000);
        broker = EmbeddedKafkaBroker.start(options);
        KafkaClients.awaitLeaders(broker.bootstrapServers(), t.audioRaw.name(), Duration.ofSeconds(60));
        JobProcessFixtures.produce(broker.bootstrapServers(), t.audioRaw, feeds, JobBrokerRestartIT.CUT,
            JobBrokerRestartIT.CHUNKS);

        List<String> expected = JobBrokerRestartIT.expectedWindowKeys(broker, t);
        List<ClassificationEvent> events = KafkaClients.consume(broker.bootstrapServers(), t.events,
            "read_committed", expected.size(), Duration.ofSeconds(4), Duration.ofSeconds(240))
            .stream().map(ConsumerRecord::value).toList();
        System.out.printf("broker restart under the cluster: %d of %d windows, job %s%n",
            events.size(), expected.size(), ClusterJobs.state(cluster, jobId));
        assertThat(EndToEndContract.windowKeys(events)).as(cluster.logTails(30))
            .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(ClusterJobs.state(cluster, jobId)).isEqualTo("RUNNING");
        ClusterJobs.cancel(cluster, jobId);
      }
    } finally {
      broker.close();
    }
  }
}
