package io.elasticast.app;

import io.elasticast.featurizer.FeaturizerSettings;
import io.elasticast.featurizer.OfflineFeed;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.Topic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Feeds, a job config file and the expected windows for tests that run {@code elasticast job} as a process. */
final class JobProcessFixtures {

  private JobProcessFixtures() {}

  /** {@code feeds} feeds of {@code chunks} 100 ms chunks each, by stream id. */
  static Map<String, List<AudioChunk>> feeds(int feeds, int chunks) {
    Map<String, List<AudioChunk>> out = new LinkedHashMap<>();
    for (int f = 0; f < feeds; f++) {
      out.put("feed-" + f, AudioFixtures.chunks("feed-" + f, chunks));
    }
    return out;
  }

  /** Chunks {@code from} (inclusive) to {@code to} of every feed, interleaved as live feeds are. */
  static void produce(String bootstrap, Topic<String, AudioChunk> topic,
      Map<String, List<AudioChunk>> feeds, int from, int to) throws Exception {
    List<AudioChunk> chunks = new ArrayList<>();
    for (int i = from; i < to; i++) {
      for (List<AudioChunk> feed : feeds.values()) {
        chunks.add(feed.get(i));
      }
    }
    KafkaClients.produce(bootstrap, topic, chunks, AudioChunk::getStreamId);
  }

  /** A job YAML for {@code bootstrap}: its own group and transactions, 1 s checkpoints under {@code dir}. */
  static Path jobConfig(Path dir, String bootstrap, String name) throws Exception {
    Path config = dir.resolve(name + ".yaml");
    Files.writeString(config, String.join("\n",
        "kafka:", "  bootstrap-servers: " + bootstrap, "  group-id: " + name,
        "sink:", "  transactional-id-prefix: " + name,
        "checkpoints:", "  interval-ms: 1000", "  storage: " + dir.resolve("checkpoints"),
        "inference:", "  model-dir: " + Path.of("..", "model", "artifacts").toAbsolutePath(), ""));
    return config;
  }

  /**
   * Every window the featurizer cuts from the feeds with the default policies. The last open
   * segments are not counted: they end only at an idle flush, which waits for event time to pass
   * them, and no chunk follows.
   */
  static List<String> expectedWindowKeys(Map<String, List<AudioChunk>> feeds) {
    FeaturizerSettings settings = ElasticAstJob.featurizerSettings(JobConfig.defaults());
    List<String> keys = new ArrayList<>();
    feeds.forEach((stream, chunks) -> {
      OfflineFeed feed = new OfflineFeed(stream, settings);
      for (AudioChunk c : chunks) {
        feed.accept(c, w -> keys.add(EndToEndContract.key(
            w.streamId, w.startMicros, w.endMicros, w.frameShiftMs, w.frames)));
      }
    });
    return keys;
  }
}
