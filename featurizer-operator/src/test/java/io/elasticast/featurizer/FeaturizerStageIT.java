package io.elasticast.featurizer;

import io.elasticast.schemas.SpectrogramWindow;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The featurizer stage on a real (mini) cluster at parallelism 2, fed a bounded set of feeds. */
class FeaturizerStageIT {

  static final int PARALLELISM = 2;
  static final int FEEDS = 6;

  @RegisterExtension
  static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder()
          .setNumberTaskManagers(1)
          .setNumberSlotsPerTaskManager(PARALLELISM)
          .setConfiguration(noRestarts())
          .build());

  @Test
  void shouldFeaturizeEveryFeedExactlyAsThePureFeaturizerDoes() throws Exception {
    // feeds of different lengths and content, chunks interleaved by event time like a broker merge
    List<List<AudioChunk>> feeds = new ArrayList<>();
    for (int f = 0; f < FEEDS; f++) {
      float[] audio = AudioFixtures.concat(AudioFixtures.noise(1.0 + 0.4 * f, 0.1, 100 + f),
          AudioFixtures.silence(0.5), AudioFixtures.tone(300 + 200 * f, 0.8, AudioFixtures.RATE));
      feeds.add(ChunkFixtures.chunks("feed-" + f, audio, 800 + 300 * f));
    }
    List<AudioChunk> merged = feeds.stream().flatMap(List::stream)
        .sorted(Comparator.comparingLong(AudioChunk::getEventTimeStartMicros)).collect(Collectors.toList());
    // one repeated chunk: must be dropped, not featurized twice
    merged.add(merged.size() / 2, merged.get(merged.size() / 2 - 3));

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(PARALLELISM);
    var chunks = env.fromData(new AvroTypeInfo<>(AudioChunk.class), merged.toArray(AudioChunk[]::new))
        .assignTimestampsAndWatermarks(WatermarkStrategy
            .<AudioChunk>forBoundedOutOfOrderness(Duration.ofSeconds(1))
            .withTimestampAssigner((c, ts) -> c.getEventTimeStartMicros() / 1000));
    List<SpectrogramWindow> windows = new ArrayList<>();
    try (CloseableIterator<SpectrogramWindow> it =
        FeaturizerStage.windowsOfTrusted(chunks, FbankWindowFunctionHarnessTest.SETTINGS).executeAndCollect()) {
      it.forEachRemaining(windows::add);
    }

    Map<String, List<SpectrogramWindow>> byFeed = windows.stream()
        .collect(Collectors.groupingBy(w -> w.streamId));
    assertThat(byFeed).hasSize(FEEDS);
    for (int f = 0; f < FEEDS; f++) {
      String feed = "feed-" + f;
      assertThat(byFeed.get(feed)).as(feed)
          .isEqualTo(FbankWindowFunctionHarnessTest.pure(feed, feeds.get(f)));
    }
  }

  private static Configuration noRestarts() {
    Configuration config = new Configuration();
    config.setString("restart-strategy.type", "none");
    return config;
  }
}
