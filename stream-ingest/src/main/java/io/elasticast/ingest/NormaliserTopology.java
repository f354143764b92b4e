package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.DeadLetters;
import io.elasticast.schemas.Topic;
import io.elasticast.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
 * {@link ChunkValidator}, {@link ChunkNormaliser} and {@link SequenceTracker}; this class only wires
 * them to Kafka.
 *
 * <p>No record can stop the application: a bad one becomes a dead letter, and every record this
 * topology writes is bounded in size. A dead letter keeps at most
 * {@link NormaliserSettings#maxDeadLetterValueBytes} of the refused value (plus its size and
 * SHA-256), a 1 KiB key, a 2 000-character message and headers of at most
 * {@link ChunkValidator#MAX_HEADER_BYTES}; a normalised chunk is at most 10 s of mono 16 kHz float
 * (640 kB) with a bounded stream id, metadata and headers (see {@link ChunkValidator}). With the
 * defaults both stay under Kafka's 1 MiB record limit.
 *
 * <p>That is why there is no {@code ProductionExceptionHandler}: under exactly-once it cannot help.
 * A record the producer refuses as too large ({@code RecordTooLargeException}, raised in
 * {@code send} before anything leaves the client) puts the transactional producer into an
 * abortable error state (kafka-clients 4.2 {@code TransactionManager.maybeTransitionToErrorState}).
 * A handler answering CONTINUE drops that one record, but the next send and the commit fail with
 * "Cannot execute transactional method because we are in an error state", the thread dies, the
 * whole transaction is aborted (the good records before the big one too), and a replacement thread
 * or a restart meets the same input again, so nothing is ever committed (seen with Kafka Streams
 * 4.2.1 on the embedded broker). Under at-least-once CONTINUE would silently lose the record.
 * Bounding what is written is the only fix that keeps the guarantee.
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

  /** The normaliser on the standard topics, with {@link NormaliserSettings#defaults()}. */
  public static void build(StreamsBuilder builder, Topics topics, NormaliserCounters counters) {
    build(builder, topics, counters, NormaliserSettings.defaults());
  }

  public static void build(StreamsBuilder builder, Topics topics, NormaliserCounters counters,
      NormaliserSettings settings) {
    build(builder, topics.audioRaw, topics.audioNormalised, topics.deadLetters, counters, settings);
  }

  /** The same with explicit (possibly renamed) topics and default settings. */
  public static void build(StreamsBuilder builder, Topic<String, AudioChunk> raw,
      Topic<String, AudioChunk> normalised, Topic<String, DeadLetter> deadLetters,
      NormaliserCounters counters) {
    build(builder, raw, normalised, deadLetters, counters, NormaliserSettings.defaults());
  }

  public static void build(StreamsBuilder builder, Topic<String, AudioChunk> raw,
      Topic<String, AudioChunk> normalised, Topic<String, DeadLetter> deadLetters,
      NormaliserCounters counters, NormaliserSettings settings) {
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
        .process(() -> new NormaliseProcessor(raw.name(), chunkReader, counters, settings),
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
    private final NormaliserSettings settings;
    private final ChunkNormaliser normaliser = new ChunkNormaliser();
    private ProcessorContext<String, Result> context;
    private KeyValueStore<String, StreamState> store;

    NormaliseProcessor(String sourceTopic, Deserializer<AudioChunk> chunkReader,
        NormaliserCounters counters, NormaliserSettings settings) {
      this.sourceTopic = sourceTopic;
      this.chunkReader = chunkReader;
      this.counters = counters;
      this.settings = settings;
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
      Optional<ChunkValidator.Rejection> rejection =
          ChunkValidator.validateHeaders(headerBytes(record.headers()));
      if (rejection.isPresent()) {
        // Its dead letter goes without them: they are what would not fit.
        deadLetter(record.withHeaders(new RecordHeaders()), key, rejection.get().reason(),
            rejection.get().message());
        return;
      }
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
      } catch (RuntimeException e) {
        // Not every decoder failure is wrapped: Avro refuses a corrupt length prefix of 2 GiB or
        // more with UnsupportedOperationException. Whatever the bytes do, they are undecodable.
        deadLetter(record, key, DeadLetterReason.UNDECODABLE, "not a decodable AudioChunk ("
            + record.value().length + " bytes): " + e);
        return;
      }
      long now = context.currentSystemTimeMs();
      rejection = ChunkValidator.validate(key, chunk, settings.eventTimeBounds(), now);
      if (rejection.isPresent()) {
        deadLetter(record, key, rejection.get().reason(), rejection.get().message());
        return;
      }
      ChunkNormaliser.Outcome outcome = normaliser.normalise(store.get(key), chunk);
      store.put(key, outcome.state().seenAt(now));
      if (outcome.rejection() != null) {
        // The stream's window is as it was, so its real next chunk still follows on.
        counters.countSequence(outcome.kind(), 0);
        deadLetter(record, key, outcome.rejection().reason(), outcome.rejection().message());
        return;
      }
      if (outcome.output() == null) {
        counters.countDuplicate();
        return;
      }
      counters.countNormalised();
      counters.countSequence(outcome.kind(), outcome.output().getOrder().getMissingChunks());
      context.forward(new Record<String, Result>(
          key, new Normalised(outcome.output()), record.timestamp(), record.headers()));
    }

    private void deadLetter(Record<byte[], byte[]> record, String key, DeadLetterReason reason,
        String message) {
      Optional<RecordMetadata> where = context.recordMetadata();
      DeadLetter letter = DeadLetters.of(
          where.map(RecordMetadata::topic).orElse(sourceTopic),
          where.map(RecordMetadata::partition).orElse(-1),
          where.map(RecordMetadata::offset).orElse(-1L),
          record.key(), record.value(), reason, message,
          context.currentSystemTimeMs() * 1_000L, settings.maxDeadLetterValueBytes());
      counters.countDeadLetter(reason);
      context.forward(new Record<String, Result>(
          deadLetterKey(key), new Rejected(letter), record.timestamp(), record.headers()));
    }
  }

  /** The dead letter's Kafka key: the stream id, cut like {@link DeadLetters} cuts the value's copy. */
  static String deadLetterKey(String key) {
    if (key == null) {
      return null;
    }
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    return bytes.length <= ChunkValidator.MAX_STREAM_ID_BYTES ? key
        : new String(Arrays.copyOf(bytes, ChunkValidator.MAX_STREAM_ID_BYTES), StandardCharsets.UTF_8);
  }

  /** Bytes of header names and values, as they count towards the record's size. */
  static long headerBytes(Headers headers) {
    long bytes = 0;
    for (Header header : headers) {
      bytes += header.key().getBytes(StandardCharsets.UTF_8).length
          + (header.value() == null ? 0 : header.value().length);
    }
    return bytes;
  }
}
