package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** The normaliser topology in a {@link TopologyTestDriver}, with typed helpers to feed and read it. */
final class NormaliserDriver implements AutoCloseable {

  final Topics topics = Topics.singleObject();
  final NormaliserCounters counters = new NormaliserCounters();
  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> raw;
  final TestOutputTopic<String, AudioChunk> normalised;
  final TestOutputTopic<String, DeadLetter> deadLetters;
  /** Where the driver's wall clock starts ({@code context.currentSystemTimeMs()}). */
  static final Instant WALL_CLOCK_START = Instant.parse("2026-01-01T00:00:00Z");
  private Instant clock = WALL_CLOCK_START; // record timestamps
  private long wallClockAdvancedMicros;

  NormaliserDriver() {
    this(NormaliserSettings.defaults());
  }

  NormaliserDriver(NormaliserSettings settings) {
    StreamsBuilder builder = new StreamsBuilder();
    NormaliserTopology.build(builder, topics, counters, settings);
    Properties props;
    try {
      props = NormaliserConfig.properties("dummy:9092", "normaliser-test",
          Files.createTempDirectory("normaliser-test"), 1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    driver = new TopologyTestDriver(builder.build(), props, WALL_CLOCK_START);
    raw = driver.createInputTopic(topics.audioRaw.name(), new ByteArraySerializer(),
        new ByteArraySerializer());
    normalised = driver.createOutputTopic(topics.audioNormalised.name(),
        topics.audioNormalised.keySerde().deserializer(),
        topics.audioNormalised.valueSerde().deserializer());
    deadLetters = driver.createOutputTopic(topics.deadLetters.name(),
        topics.deadLetters.keySerde().deserializer(), topics.deadLetters.valueSerde().deserializer());
  }

  /** Pipes a chunk keyed by its stream id. */
  void send(AudioChunk chunk) {
    send(chunk.getStreamId(), chunk);
  }

  void send(String key, AudioChunk chunk) {
    sendBytes(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        topics.audioRaw.valueSerde().serializer().serialize(topics.audioRaw.name(), chunk));
  }

  void sendBytes(byte[] key, byte[] value) {
    clock = clock.plusMillis(100);
    raw.pipeInput(key, value, clock);
  }

  void sendBytes(byte[] key, byte[] value, Headers headers) {
    clock = clock.plusMillis(100);
    raw.pipeInput(new TestRecord<>(key, value, headers, clock));
  }

  byte[] encode(AudioChunk chunk) {
    return topics.audioRaw.valueSerde().serializer().serialize(topics.audioRaw.name(), chunk);
  }

  /** The driver's wall clock now, in microseconds (what event times are judged against). */
  long nowMicros() {
    return WALL_CLOCK_START.toEpochMilli() * 1_000L + wallClockAdvancedMicros;
  }

  void advanceWallClock(java.time.Duration by) {
    driver.advanceWallClockTime(by);
    wallClockAdvancedMicros += by.toNanos() / 1_000L;
  }


  List<AudioChunk> readNormalised() {
    List<AudioChunk> out = new ArrayList<>();
    for (KeyValue<String, AudioChunk> kv : normalised.readKeyValuesToList()) {
      out.add(kv.value);
    }
    return out;
  }

  List<DeadLetter> readDeadLetters() {
    return deadLetters.readValuesToList();
  }

  @Override
  public void close() {
    driver.close();
  }
}
