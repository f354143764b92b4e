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
 * The job on a session cluster with ZooKeeper high availability (HA metadata in files under the
 * cluster's work dir), at parallelism 2 on two TaskManagers. Fault: the JobManager is killed with
 * SIGKILL mid-stream, after at least one completed checkpoint, and a new JobManager is started on
 * the same ports; nobody resubmits the job. Counted: the same job id RUNNING again on the new
 * JobManager, restored from a checkpoint; every window of 8 feeds on the events topic exactly once
 * (read_committed); on close no process and no file of the cluster left. Bound: 6 minutes.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ClusterJobManagerKillIT {

  static final int FEEDS = 8;
  static final int CHUNKS = 80;
  static final int CUT = 40;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void shouldRecoverTheJobFromItsCheckpointWhenTheJobManagerIsKilled(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
        EmbeddedKafkaBroker.Options.defaults().defaultPartitions(4))) {
      broker.createTopics(BrokerCommand.pipelineTopics(4));
      Topics t = Topics.singleObject();
      Map<String, List<AudioChunk>> feeds = JobProcessFixtures.feeds(FEEDS, CHUNKS);
      JobConfig config = JobConfig.load(JobProcessFixtures.jobConfig(tmp, broker.bootstrapServers(), "jm-kill-it"));
      JobProcessFixtures.produce(broker.bootstrapServers(), t.audioNormalised, feeds, 0, CUT);

      Path workDir;
      List<Process> processes;
      FlinkCluster cluster = FlinkCluster.start(FlinkCluster.Options.defaults()
          .slotsPerTaskManager(1).highAvailability(true));
      try {
        workDir = cluster.workDir();
        String jobId = ClusterJobs.submit(cluster, config, new Configuration()).getJobID().toString();
        assertThat(KafkaClients.consume(broker.bootstrapServers(), t.events, "read_committed", 1,
            Duration.ZERO, Duration.ofSeconds(120))).as("events before the kill").isNotEmpty();
        ClusterJobs.awaitCheckpoints(cluster, jobId, 0, 1, Duration.ofSeconds(60));

        Process killed = cluster.jobManager();
        killed.destroyForcibly();
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        JobProcessFixtures.produce(broker.bootstrapServers(), t.audioNormalised, feeds, CUT, CHUNKS);
        cluster.restartJobManager(Duration.ofSeconds(30));

        ClusterJobs.awaitState(cluster, jobId, "RUNNING", Duration.ofSeconds(120));
        List<String> expected = JobProcessFixtures.expectedWindowKeys(feeds);
        List<ClassificationEvent> events = KafkaClients.consume(broker.bootstrapServers(), t.events,
            "read_committed", expected.size(), Duration.ofSeconds(4), Duration.ofSeconds(240))
            .stream().map(ConsumerRecord::value).toList();
        System.out.printf("JobManager kill: %d of %d windows, job %s %s on the new JobManager%n",
            events.size(), expected.size(), jobId, ClusterJobs.state(cluster, jobId));
        assertThat(EndToEndContract.windowKeys(events)).as(cluster.logTails(30))
            .containsExactlyInAnyOrderElementsOf(expected);
        String checkpoints = cluster.rest("/jobs/" + jobId + "/checkpoints");
        assertThat(checkpoints).as("the new JobManager restored the job from a checkpoint")
            .containsPattern("\"restored\"\\s*:\\s*\\{\"id\"\\s*:\\s*\\d+");
        ClusterJobs.cancel(cluster, jobId);
        processes = List.copyOf(cluster.taskManagers());
      } finally {
        cluster.close();
      }
      assertThat(processes).noneMatch(Process::isAlive);
      assertThat(cluster.jobManager().isAlive()).isFalse();
      assertThat(workDir).doesNotExist();
    }
  }
}
