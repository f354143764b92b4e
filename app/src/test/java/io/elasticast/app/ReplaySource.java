package io.elasticast.app;

import io.elasticast.featurizer.SourcedChunk;
import io.elasticast.schemas.AudioChunk;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * A bounded, rate-limited, checkpointable source that replays recorded chunks feed by feed (each
 * feed's chunks in sequence order). The chunks stay in this JVM (MiniCluster tests only): the
 * generator holds a key, not the audio, so the job graph stays small.
 */
final class ReplaySource {

  private static final Map<Integer, List<AudioChunk>> RECORDINGS = new ConcurrentHashMap<>();
  private static final AtomicInteger NEXT_KEY = new AtomicInteger();

  private ReplaySource() {}

  static DataGeneratorSource<SourcedChunk> of(Map<String, List<AudioChunk>> byStream, double chunksPerSecond) {
    List<AudioChunk> all = new ArrayList<>();
    byStream.keySet().stream().sorted().forEach(s -> byStream.get(s).stream()
        .sorted(Comparator.comparingLong(AudioChunk::getSequenceNumber)).forEach(all::add));
    int key = NEXT_KEY.incrementAndGet();
    RECORDINGS.put(key, all);
    GeneratorFunction<Long, SourcedChunk> replay =
        i -> SourcedChunk.of(RECORDINGS.get(key).get(i.intValue()));
    return new DataGeneratorSource<>(replay, all.size(),
        RateLimiterStrategy.perSecond(chunksPerSecond), TypeInformation.of(SourcedChunk.class));
  }
}
