package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.Topic;
import io.elasticast.schemas.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The normaliser: raw {@code AudioChunk}s in, mono 16 kHz FLOAT32LE chunks out, and a
 * {@code DeadLetter} for every record that cannot be normalised. The logic lives in
 * {@link ChunkValidator} and {@link ChunkNormaliser}; this class only wires them to Kafka.
 */
public final class NormaliserTopology {

  /** Per-stream sequence window and resampler history. */
  public static final String STATE_STORE = "normaliser-stream-state";
  /**
   * A stream silent this long (wall clock) is forgotten, so state does not pile up for feeds that
   * ended; if it comes back, it starts afresh (no gap flag, new filter).
   */
  public static final Duration IDLE_EXPIRY = Duration.ofHours(1);
  public static final Duration EXPIRY_CHECK_EVERY = Duration.ofMinutes(1);

  /** What the processor produces for one input record. */
  public sealed interface Result permits Normalised, Rejected {}

  public record Normalised(AudioChunk chunk) implements Result {}

  public record Rejected(DeadLetter deadLetter) implements Result {}

  private NormaliserTopology() {}

  public static void build(StreamsBuilder builder, Topics topics, NormaliserCounters counters) {
    build(builder, topics.audioRaw, topics.audioNormalised, topics.deadLetters, counters);
  }

  /** The same with explicit (possibly renamed) topics. */
  public static void build(StreamsBuilder builder, Topic<String, AudioChunk> raw,
      Topic<String, AudioChunk> normalised, Topic<String, DeadLetter> deadLetters,
      NormaliserCounters counters) {
    // In-memory store: per-stream state is a few KB, and the changelog topic restores it after a
    // restart or rebalance, exactly once together with the output it led to.
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(STATE_STORE), Serdes.String(), new StreamState.StreamStateSerde()));

    Deserializer<AudioChunk> chunkReader = raw.valueSerde().deserializer();
    // Read bytes, not AudioChunks: a record that does not decode must reach the dead-letter topic
    // with its original bytes, instead of stopping the application in the consumer.
    KStream<String, Result> results = builder
        .stream(raw.name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        // Decode, validate, downmix and resample; the key is already the stream id, so no re-keying.
        .process(() -> new NormaliseProcessor(raw.name(), chunkReader, counters),
            Named.as("normalise"), STATE_STORE);

    results.split(Named.as("normaliser-"))
        .branch((key, result) -> result instanceof Normalised,
            Branched.withConsumer(ok -> ok
                .mapValues(result -> ((Normalised) result).chunk())
                .to(normalised.name(), Produced.with(normalised.keySerde(), normalised.valueSerde()))))
        .defaultBranch(Branched.withConsumer(bad -> bad
            .mapValues(result -> ((Rejected) result).deadLetter())
            .to(deadLetters.name(), Produced.with(deadLetters.keySerde(), deadLetters.valueSerde()))));
  }

  /** Thin Kafka glue around {@link ChunkValidator} and {@link ChunkNormaliser}. */
  static final class NormaliseProcessor implements Processor<byte[], byte[], String, Result> {

    private final String sourceTopic;
    private final Deserializer<AudioChunk> chunkReader;
    private final NormaliserCounters counters;
    private final ChunkNormaliser normaliser = new ChunkNormaliser();
    private ProcessorContext<String, Result> context;
    private KeyValueStore<String, StreamState> store;

    NormaliseProcessor(String sourceTopic, Deserializer<AudioChunk> chunkReader,
        NormaliserCounters counters) {
      this.sourceTopic = sourceTopic;
      this.chunkReader = chunkReader;
      this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, Result> context) {
      this.context = context;
      this.store = context.getStateStore(STATE_STORE);
      context.schedule(EXPIRY_CHECK_EVERY, PunctuationType.WALL_CLOCK_TIME, this::forgetIdleStreams);
    }

    private void forgetIdleStreams(long nowMillis) {
      long cutoff = nowMillis - IDLE_EXPIRY.toMillis();
      List<String> idle = new ArrayList<>();
      try (KeyValueIterator<String, StreamState> all = store.all()) {
        all.forEachRemaining(kv -> {
          if (kv.value.lastSeenMillis() < cutoff) {
            idle.add(kv.key);
          }
        });
      }
      idle.forEach(store::delete);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
      if (record.value() == null) {
        deadLetter(record, key, DeadLetterReason.UNDECODABLE, "record has no value (tombstone)");
        return;
      }
      AudioChunk chunk;
      try {
        chunk = chunkReader.deserialize(sourceTopic, record.value());
      } catch (SerializationException e) {
        deadLetter(record, key, DeadLetterReason.UNDECODABLE, e.getMessage());
        return;
      }
      Optional<ChunkValidator.Rejection> rejection = ChunkValidator.validate(key, chunk);
      if (rejection.isPresent()) {
        deadLetter(record, key, rejection.get().reason(), rejection.get().message());
        return;
      }
      ChunkNormaliser.Outcome outcome = normaliser.normalise(store.get(key), chunk);
      store.put(key, outcome.state().seenAt(context.currentSystemTimeMs()));
      if (outcome.output() == null) {
        counters.countDuplicate();
        return;
      }
      counters.countNormalised();
      context.forward(new Record<String, Result>(
          key, new Normalised(outcome.output()), record.timestamp(), record.headers()));
    }

    private void deadLetter(Record<byte[], byte[]> record, String key, DeadLetterReason reason,
        String message) {
      Optional<RecordMetadata> where = context.recordMetadata();
      DeadLetter letter = DeadLetter.newBuilder()
          .setSourceTopic(where.map(RecordMetadata::topic).orElse(sourceTopic))
          .setSourcePartition(where.map(RecordMetadata::partition).orElse(-1))
          .setSourceOffset(where.map(RecordMetadata::offset).orElse(-1L))
          .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
          .setOriginalValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
          .setReason(reason)
          .setMessage(message == null ? reason.name() : message)
          .setTimeMicros(context.currentSystemTimeMs() * 1_000L)
          .build();
      counters.countDeadLetter(reason);
      context.forward(new Record<String, Result>(
          key, new Rejected(letter), record.timestamp(), record.headers()));
    }
  }
}
