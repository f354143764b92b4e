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
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The normaliser topology in a {@link TopologyTestDriver}, with typed helpers to feed and read it. */
final class NormaliserDriver implements AutoCloseable {

  final Topics topics = Topics.singleObject();
  final NormaliserCounters counters = new NormaliserCounters();
  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> raw;
  final TestOutputTopic<String, AudioChunk> normalised;
  final TestOutputTopic<String, DeadLetter> deadLetters;
  private Instant clock = Instant.parse("2026-01-01T00:00:00Z");

  NormaliserDriver() {
    StreamsBuilder builder = new StreamsBuilder();
    NormaliserTopology.build(builder, topics, counters);
    Properties props;
    try {
      props = NormaliserConfig.properties("dummy:9092", "normaliser-test",
          Files.createTempDirectory("normaliser-test"), 1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    driver = new TopologyTestDriver(builder.build(), props);
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
