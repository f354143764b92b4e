package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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
 * The broker stops in the middle of a stream and comes back on the same port and data dir: the
 * normaliser and {@code elasticast job} (a separate process) recover by themselves. Every window
 * of every feed must then be on the events topic exactly once (read_committed), and the job
 * process must still be running: it neither died nor sat alive and silent.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class JobBrokerRestartIT {

  static final int FEEDS = 8;
  static final int CHUNKS = 80; // 8 s per feed
  static final int CUT = 40;

  @Test
  @Timeout(value = 7, unit = TimeUnit.MINUTES)
  void shouldRecoverByItselfWhenTheBrokerRestartsMidStream(@TempDir Path tmp) throws Exception {
    EmbeddedKafkaBroker.Options options = EmbeddedKafkaBroker.Options.defaults()
        .port(JobCommand.freePort()).defaultPartitions(4).dataDir(tmp.resolve("kafka"));
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options);
    try {
      LocalPipeline pipeline = LocalPipeline.onBroker(broker.bootstrapServers())
          .startNormaliser(LocalPipeline.quiet());
      try (pipeline) {
        Topics t = pipeline.topics();
        Map<String, List<AudioChunk>> feeds = JobProcessFixtures.feeds(FEEDS, CHUNKS);
        Path config = JobProcessFixtures.jobConfig(tmp, broker.bootstrapServers(), "restart-it");
        JobProcessFixtures.produce(broker.bootstrapServers(), t.audioRaw, feeds, 0, CUT);
        try (CliProcess job = CliProcess.start(Files.createDirectories(tmp.resolve("cli")),
            line -> line.startsWith("job: no retained"), "job", "--config", config.toString())) {
          job.awaitLine(Duration.ofSeconds(120));
          assertThat(KafkaClients.consume(broker.bootstrapServers(), t.events, "read_committed", 1,
              Duration.ZERO, Duration.ofSeconds(120))).as("events before the broker stops").isNotEmpty();

          long stopped = System.nanoTime();
          broker.close();
          Thread.sleep(3_000);
          broker = EmbeddedKafkaBroker.start(options);
          KafkaClients.awaitLeaders(broker.bootstrapServers(), t.audioRaw.name(), Duration.ofSeconds(60));
          System.out.printf("broker restart: broker back after %.1f s%n", (System.nanoTime() - stopped) / 1e9);
          JobProcessFixtures.produce(broker.bootstrapServers(), t.audioRaw, feeds, CUT, CHUNKS);
          System.out.printf("broker restart: the rest of the input written after %.1f s%n",
              (System.nanoTime() - stopped) / 1e9);

          List<String> expected = expectedWindowKeys(broker, t);
          List<ClassificationEvent> events = KafkaClients.consume(broker.bootstrapServers(), t.events,
              "read_committed", expected.size(), Duration.ofSeconds(4), Duration.ofSeconds(240))
              .stream().map(ConsumerRecord::value).toList();
          System.out.printf("broker restart: %d of %d windows%n", events.size(), expected.size());
          assertThat(EndToEndContract.windowKeys(events)).as(job.output())
              .containsExactlyInAnyOrderElementsOf(expected);
          assertThat(job.process().isAlive()).as("job process alive:\n" + job.output()).isTrue();
          job.terminate();
          assertThat(job.awaitExit(Duration.ofSeconds(90))).isTrue();
        }
      }
    } finally {
      broker.close();
    }
  }

  /** The windows of what the normaliser wrote (each chunk once, read_committed), without the final flush. */
  static List<String> expectedWindowKeys(EmbeddedKafkaBroker broker, Topics t) {
    var records = KafkaClients.consume(broker.bootstrapServers(), t.audioNormalised, "read_committed",
        FEEDS * CHUNKS, Duration.ofSeconds(2), Duration.ofSeconds(180));
    Map<String, List<AudioChunk>> normalised = new HashMap<>();
    records.forEach(r -> normalised.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
    normalised.values().forEach(l -> l.sort(Comparator.comparingLong(AudioChunk::getSequenceNumber)));
    assertThat(records).as("every chunk normalised once").hasSize(FEEDS * CHUNKS);
    return JobProcessFixtures.expectedWindowKeys(normalised);
  }
}
