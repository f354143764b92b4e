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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code elasticast job} killed with SIGKILL in the middle of 60 feeds, then started again with
 * the same config: it must say it resumes from the retained checkpoint, and every window of every
 * feed must be on the events topic exactly once (read_committed). The feeds' second halves are
 * written only after the kill, so windows spanning the cut need the feeds' restored state, not
 * just the restored offsets. Sixty feeds' state is far beyond JobManager memory's 5 MB limit: the
 * default checkpoint storage (a directory) must carry it.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class JobResumeIT {

  static final int FEEDS = 60;
  static final int CHUNKS = 60; // 6 s per feed
  static final int CUT = 30;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void shouldResumeFromTheRetainedCheckpointAfterAKillWithNoWindowLostOrRepeated(@TempDir Path tmp)
      throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
        EmbeddedKafkaBroker.Options.defaults().defaultPartitions(4))) {
      broker.createTopics(BrokerCommand.pipelineTopics(4));
      Map<String, List<AudioChunk>> feeds = JobProcessFixtures.feeds(FEEDS, CHUNKS);
      Path config = JobProcessFixtures.jobConfig(tmp, broker.bootstrapServers(), "resume-it");
      Topics t = Topics.singleObject();
      JobProcessFixtures.produce(broker.bootstrapServers(), t.audioNormalised, feeds, 0, CUT);

      Path cliTmp = Files.createDirectories(tmp.resolve("cli"));
      int beforeKill;
      try (CliProcess first = CliProcess.start(cliTmp, line -> line.startsWith("job: no retained"),
          "job", "--config", config.toString())) {
        first.awaitLine(Duration.ofSeconds(120));
        beforeKill = awaitSomeEvents(broker, t);
        first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no orderly cancel
        assertThat(first.awaitExit(Duration.ofSeconds(30))).isTrue();
      }
      JobProcessFixtures.produce(broker.bootstrapServers(), t.audioNormalised, feeds, CUT, CHUNKS);
      List<String> expected = JobProcessFixtures.expectedWindowKeys(feeds);
      assertThat(beforeKill).as("killed before the end").isLessThan(expected.size());

      try (CliProcess second = CliProcess.start(cliTmp,
          line -> line.startsWith("job: resuming from retained checkpoint"),
          "job", "--config", config.toString())) {
        String resumed = second.awaitLine(Duration.ofSeconds(120));
        List<ClassificationEvent> events = KafkaClients.consume(broker.bootstrapServers(), t.events,
            "read_committed", expected.size(), Duration.ofSeconds(4), Duration.ofSeconds(180))
            .stream().map(ConsumerRecord::value).toList();
        System.out.printf("resume: %d events committed before the kill, %d in all; %s%n",
            beforeKill, events.size(), resumed);
        assertThat(EndToEndContract.windowKeys(events)).containsExactlyInAnyOrderElementsOf(expected);
        second.terminate();
        assertThat(second.awaitExit(Duration.ofSeconds(90))).isTrue();
      }
    }
  }

  /** Waits until the job has committed events (so a checkpoint completed); returns how many. */
  static int awaitSomeEvents(EmbeddedKafkaBroker broker, Topics t) {
    int n = KafkaClients.consume(broker.bootstrapServers(), t.events, "read_committed", 1,
        Duration.ZERO, Duration.ofSeconds(120)).size();
    assertThat(n).as("events committed before the kill").isPositive();
    return n;
  }
}
