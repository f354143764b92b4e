package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.DeadLetters;
import io.elasticast.schemas.SampleEncoding;
import io.elasticast.schemas.Topics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest a WAV file into a real broker, run the normaliser with exactly-once, and read its output
 * and dead letters as a read_committed consumer would.
 */
class NormaliserIT {

  static final Duration DEADLINE = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void shouldNormaliseAnIngestedWavAndDeadLetterACorruptRecord() throws Exception {
    Topics topics = Topics.singleObject();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      broker.createTopics(Map.of(topics.audioRaw.name(), 2, topics.audioNormalised.name(), 2,
          topics.deadLetters.name(), 1));

      // Step 1: ingest one second of 44.1 kHz stereo, unpaced, through the real producer.
      Path wav = dir.resolve("it-feed.wav");
      writeWav(wav, AudioFixtures.sweep(100, 7_000, 1.0, 44_100, 0.5), 44_100);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      try (KafkaChunkSink sink = new KafkaChunkSink(broker.bootstrapServers(), topics.audioRaw)) {
        var options = new IngestRunner.Options(List.of(wav.toString()), 0, false, false, 100, null, null);
        int exit = new IngestRunner(options, sink, Ticker.system(), Clock.systemUTC(),
            new PrintStream(log, true, StandardCharsets.UTF_8), false).run();
        assertThat(exit).as(log.toString(StandardCharsets.UTF_8)).isZero();
      }
      byte[] garbage = "not an audio chunk".getBytes(StandardCharsets.UTF_8);
      Properties producerProps = new Properties();
      producerProps.putAll(KafkaChunkSink.producerProperties(broker.bootstrapServers()));
      try (var producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
        producer.send(new ProducerRecord<>(topics.audioRaw.name(),
            "it-feed".getBytes(StandardCharsets.UTF_8), garbage)).get();
      }

      // Step 2: run the normaliser.
      StreamsBuilder builder = new StreamsBuilder();
      NormaliserCounters counters = new NormaliserCounters();
      NormaliserTopology.build(builder, topics, counters);
      Properties config = NormaliserConfig.properties(broker.bootstrapServers(),
          "normaliser-it-" + UUID.randomUUID(), dir.resolve("state"), 1);
      try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
        streams.start();

        // Step 3: read committed output until everything has arrived (deadline, no fixed sleep).
        List<AudioChunk> normalised = readCommitted(broker, topics.audioNormalised.name(),
            topics.audioNormalised.valueSerde().deserializer(), 10);
        List<DeadLetter> deadLetters = readCommitted(broker, topics.deadLetters.name(),
            topics.deadLetters.valueSerde().deserializer(), 1);

        assertThat(normalised).extracting(AudioChunk::getSequenceNumber)
            .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(normalised).allSatisfy(c -> {
          assertThat(c.getStreamId()).isEqualTo("it-feed");
          assertThat(c.getSampleRate()).isEqualTo(16_000);
          assertThat(c.getChannels()).isEqualTo(1);
        });
        long samples = normalised.stream().mapToLong(c -> c.getPayload().remaining() / 4).sum();
        int lookahead = new PolyphaseResampler(44_100, 16_000).lookahead();
        assertThat(samples).isEqualTo((long) Math.ceil((44_100 - lookahead) * 16_000 / 44_100.0));

        DeadLetter letter = deadLetters.get(0);
        assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNDECODABLE);
        assertThat(letter.getSourceTopic()).isEqualTo(topics.audioRaw.name());
        assertThat(letter.getSourceOffset()).isGreaterThanOrEqualTo(0);
        assertThat(ChunkValidator.bytesOf(letter.getOriginalValue())).isEqualTo(garbage);
        assertThat(counters.total()).isEqualTo(11);
      }
    }
  }

  /**
   * A 20 MB chunk, lz4-compressed on the wire by its producer (small enough for the broker, far too large to copy
   * into a dead letter), then a good chunk of the same feed: the dead letter arrives truncated with
   * the whole value's size and hash, the good chunk is normalised, and the normaliser keeps running.
   */
  @Test
  void shouldDeadLetterA20MbChunkTruncatedAndKeepRunning() throws Exception {
    Duration deadline = Duration.ofSeconds(30);
    Topics topics = Topics.singleObject();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      broker.createTopics(Map.of(topics.audioRaw.name(), 1, topics.audioNormalised.name(), 1,
          topics.deadLetters.name(), 1));

      AudioChunk huge = AudioFixtures.chunk("it-big", 0, 16_000, 1, SampleEncoding.PCM_S16LE,
          new byte[20 * 1024 * 1024]);
      byte[] hugeValue = topics.audioRaw.valueSerde().serializer().serialize("raw", huge);
      AudioChunk good = AudioFixtures.floatChunk("it-big", 0, 16_000, 1,
          AudioFixtures.tone(440, 0.1, 16_000, 0.5));
      Properties producerProps = new Properties();
      producerProps.putAll(KafkaChunkSink.producerProperties(broker.bootstrapServers()));
      // A producer other than ours may compress: the zero payload shrinks under the broker's limit,
      // and the producer checks the uncompressed size against max.request.size.
      producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
      producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 32 * 1024 * 1024);
      producerProps.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
      try (var producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
        byte[] key = "it-big".getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(topics.audioRaw.name(), key, hugeValue)).get();
        producer.send(new ProducerRecord<>(topics.audioRaw.name(), key,
            topics.audioRaw.valueSerde().serializer().serialize("raw", good))).get();
      }

      StreamsBuilder builder = new StreamsBuilder();
      NormaliserCounters counters = new NormaliserCounters();
      NormaliserTopology.build(builder, topics, counters);
      Properties config = NormaliserConfig.properties(broker.bootstrapServers(),
          "normaliser-it-big-" + UUID.randomUUID(), dir.resolve("state-big"), 1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
        streams.setUncaughtExceptionHandler(e -> {
          failure.compareAndSet(null, e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();

        DeadLetter letter = readCommitted(broker, topics.deadLetters.name(),
            topics.deadLetters.valueSerde().deserializer(), 1, deadline).get(0);
        List<AudioChunk> normalised = readCommitted(broker, topics.audioNormalised.name(),
            topics.audioNormalised.valueSerde().deserializer(), 1, deadline);

        assertThat(letter.getReason()).isEqualTo(DeadLetterReason.CHUNK_TOO_LONG);
        assertThat(letter.getSourceOffset()).isZero();
        assertThat(letter.getOriginalValue().remaining()).isEqualTo(DeadLetters.DEFAULT_MAX_VALUE_BYTES);
        assertThat(ChunkValidator.bytesOf(letter.getOriginalValue()))
            .isEqualTo(Arrays.copyOf(hugeValue, DeadLetters.DEFAULT_MAX_VALUE_BYTES));
        assertThat(letter.getOriginalValueSize()).isEqualTo((long) hugeValue.length);
        assertThat(letter.getOriginalValueSha256()).isEqualTo(DeadLetters.sha256(hugeValue));
        assertThat(normalised).singleElement().satisfies(c -> {
          assertThat(c.getStreamId()).isEqualTo("it-big");
          assertThat(c.getSequenceNumber()).isZero();
        });
        assertThat(failure.get()).isNull();
        assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(counters.deadLetters(DeadLetterReason.CHUNK_TOO_LONG)).isEqualTo(1);
        assertThat(counters.normalised()).isEqualTo(1);
      }
    }
  }

  static <V> List<V> readCommitted(EmbeddedKafkaBroker broker, String topic, Deserializer<V> values,
      int wanted) {
    return readCommitted(broker, topic, values, wanted, DEADLINE);
  }

  static <V> List<V> readCommitted(EmbeddedKafkaBroker broker, String topic, Deserializer<V> values,
      int wanted, Duration within) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, V>> records = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), values)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + within.toNanos();
      while (records.size() < wanted && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
    }
    assertThat(records).as("records on " + topic).hasSize(wanted);
    records.sort(java.util.Comparator.comparingInt(ConsumerRecord<String, V>::partition)
        .thenComparingLong(ConsumerRecord::offset));
    return records.stream().map(ConsumerRecord::value).toList();
  }

  static void writeWav(Path path, float[] mono, int rate) throws Exception {
    byte[] pcm = SampleCodec.encodeS16(AudioFixtures.interleave(mono, 2));
    AudioFormat format = new AudioFormat(rate, 16, 2, true, false);
    try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(pcm), format, mono.length)) {
      AudioSystem.write(in, AudioFileFormat.Type.WAVE, path.toFile());
    }
    assertThat(Files.size(path)).isPositive();
  }
}
