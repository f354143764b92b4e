package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.featurizer.ExtractorCache;
import io.elasticast.featurizer.FeaturizerSettings;
import io.elasticast.featurizer.FeedFeaturizer;
import io.elasticast.featurizer.FeedState;
import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
      Map<String, Integer> topics = new LinkedHashMap<>();
      for (String t : BrokerCommand.pipelineTopics()) {
        topics.put(t, 4);
      }
      broker.createTopics(topics);
      Map<String, List<AudioChunk>> feeds = new LinkedHashMap<>();
      for (int f = 0; f < FEEDS; f++) {
        feeds.put("feed-" + f, AudioFixtures.chunks("feed-" + f, CHUNKS));
      }
      Path config = tmp.resolve("job.yaml");
      Files.writeString(config, String.join("\n",
          "kafka:", "  bootstrap-servers: " + broker.bootstrapServers(), "  group-id: resume-it",
          "sink:", "  transactional-id-prefix: resume-it",
          "checkpoints:", "  interval-ms: 1000", "  storage: " + tmp.resolve("checkpoints"),
          "inference:", "  model-dir: " + Path.of("..", "model", "artifacts").toAbsolutePath(), ""));
      Topics t = Topics.singleObject();
      produce(broker, t, feeds, 0, CUT);

      Path cliTmp = Files.createDirectories(tmp.resolve("cli"));
      int beforeKill;
      try (CliProcess first = CliProcess.start(cliTmp, line -> line.startsWith("job: no retained"),
          "job", "--config", config.toString())) {
        first.awaitLine(Duration.ofSeconds(120));
        beforeKill = awaitSomeEvents(broker, t);
        first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no orderly cancel
        assertThat(first.awaitExit(Duration.ofSeconds(30))).isTrue();
      }
      produce(broker, t, feeds, CUT, CHUNKS);
      List<String> expected = expectedWindowKeys(feeds);
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

  static void produce(EmbeddedKafkaBroker broker, Topics t, Map<String, List<AudioChunk>> feeds,
      int from, int to) throws Exception {
    List<AudioChunk> chunks = new ArrayList<>();
    for (int i = from; i < to; i++) {
      for (List<AudioChunk> feed : feeds.values()) {
        chunks.add(feed.get(i));
      }
    }
    KafkaClients.produce(broker.bootstrapServers(), t.audioNormalised, chunks, AudioChunk::getStreamId);
  }

  /** Waits until the job has committed events (so a checkpoint completed); returns how many. */
  static int awaitSomeEvents(EmbeddedKafkaBroker broker, Topics t) {
    int n = KafkaClients.consume(broker.bootstrapServers(), t.events, "read_committed", 1,
        Duration.ZERO, Duration.ofSeconds(120)).size();
    assertThat(n).as("events committed before the kill").isPositive();
    return n;
  }

  /**
   * Every window the featurizer cuts from the feeds. The last open segments are not counted: they
   * end only at an idle flush, which waits for event time to pass them, and no chunk follows.
   */
  static List<String> expectedWindowKeys(Map<String, List<AudioChunk>> feeds) {
    JobConfig config = JobConfig.defaults();
    FeaturizerSettings settings = ElasticAstJob.featurizerSettings(config);
    ExtractorCache extractors = new ExtractorCache(settings.numMelBins());
    List<String> keys = new ArrayList<>();
    feeds.forEach((stream, chunks) -> {
      FeedState state = new FeedState();
      for (AudioChunk c : chunks) {
        new FeedFeaturizer(stream, settings, extractors, state).acceptChunk(c.getSequenceNumber(),
            c.getEventTimeStartMicros(), EndToEndContract.floats(c), w -> keys.add(EndToEndContract.key(
                w.streamId, w.startMicros, w.endMicros, w.frameShiftMs, w.frames)));
      }
    });
    return keys;
  }
}
