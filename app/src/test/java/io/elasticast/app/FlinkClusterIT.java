package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real session cluster (a JobManager and two TaskManagers of one slot each, each its
 * own JVM) at parallelism 2, so each TaskManager runs half of the job. Fault: one TaskManager is
 * killed with SIGKILL mid-stream and a new one is started; the job fails over and restarts from its
 * last checkpoint on the survivor and the newcomer. Counted: every window of 8 feeds on the events
 * topic exactly once (read_committed); the job's exception history holds the failure; 2 slots
 * again; on close no process and no file of the cluster left. Bound: 6 minutes.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class FlinkClusterIT {

  static final int FEEDS = 8;
  static final int CHUNKS = 80;
  static final int CUT = 40;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void shouldKeepEveryWindowExactlyOnceWhenATaskManagerIsKilled(@TempDir Path tmp) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
        EmbeddedKafkaBroker.Options.defaults().defaultPartitions(4))) {
      broker.createTopics(BrokerCommand.pipelineTopics(4));
      Topics t = Topics.singleObject();
      Map<String, List<AudioChunk>> feeds = JobProcessFixtures.feeds(FEEDS, CHUNKS);
      JobConfig config = JobConfig.load(JobProcessFixtures.jobConfig(tmp, broker.bootstrapServers(), "cluster-it"));
      JobProcessFixtures.produce(broker.bootstrapServers(), t.audioNormalised, feeds, 0, CUT);

      Path workDir;
      FlinkCluster cluster = FlinkCluster.start(FlinkCluster.Options.defaults().slotsPerTaskManager(1));
      List<Process> processes;
      try {
        workDir = cluster.workDir();
        assertThat(cluster.registeredSlots()).isEqualTo(2);
        // the cluster runs this test's classpath: the job's classes are there, no jar to ship
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
            "localhost", cluster.restPort(), new Configuration());
        ElasticAstJob.onKafka(config).build(env);
        JobClient job = env.executeAsync(ElasticAstJob.JOB_NAME);
        assertThat(KafkaClients.consume(broker.bootstrapServers(), t.events, "read_committed", 1,
            Duration.ZERO, Duration.ofSeconds(120))).as("events before the kill").isNotEmpty();

        cluster.taskManagers().get(0).destroyForcibly(); // SIGKILL: it holds one of the two subtasks
        JobProcessFixtures.produce(broker.bootstrapServers(), t.audioNormalised, feeds, CUT, CHUNKS);
        cluster.startTaskManager();

        List<String> expected = JobProcessFixtures.expectedWindowKeys(feeds);
        List<ClassificationEvent> events = KafkaClients.consume(broker.bootstrapServers(), t.events,
            "read_committed", expected.size(), Duration.ofSeconds(4), Duration.ofSeconds(240))
            .stream().map(ConsumerRecord::value).toList();
        System.out.printf("cluster: %d of %d windows after a TaskManager was killed%n",
            events.size(), expected.size());
        assertThat(EndToEndContract.windowKeys(events)).as(cluster.logTails(30))
            .containsExactlyInAnyOrderElementsOf(expected);
        cluster.awaitSlots(2, Duration.ofSeconds(60));
        String exceptions = cluster.rest("/jobs/" + job.getJobID() + "/exceptions");
        assertThat(exceptions).as("the kill was seen as a failure and recovered from").contains("\"entries\":[{");
        job.cancel().get(60, TimeUnit.SECONDS);
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
