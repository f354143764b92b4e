package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.app.flink.AvroRecordDeserializer;
import io.elasticast.app.flink.AvroRecordSerializer;
import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka → Flink (MiniCluster, parallelism 2) → Kafka with the transactional sink: a
 * read_committed consumer must see every input record exactly once.
 */
class ExactlyOnceKafkaPipelineIT {

  static final int PARALLELISM = 2;

  @RegisterExtension
  static final MiniClusterExtension FLINK = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder()
          .setConfiguration(flinkConfig())
          .setNumberTaskManagers(1)
          .setNumberSlotsPerTaskManager(PARALLELISM)
          .build());

  static EmbeddedKafkaBroker broker;

  static Configuration flinkConfig() {
    Configuration c = new Configuration();
    c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    return c;
  }

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldCopyEveryChunkExactlyOnceThroughTransactionalSink() throws Exception {
    Topics topics = Topics.singleObject();
    String in = "eo-in";
    String out = "eo-out";
    KafkaClients.createTopic(broker.bootstrapServers(), in, 4);
    KafkaClients.createTopic(broker.bootstrapServers(), out, 4);
    List<AudioChunk> sent = new ArrayList<>();
    for (int f = 0; f < 6; f++) {
      sent.addAll(AudioFixtures.chunks("feed-" + f, 50));
    }
    KafkaClients.produce(broker.bootstrapServers(), topics.audioRaw.withName(in), sent,
        AudioChunk::getStreamId);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(PARALLELISM);
    env.enableCheckpointing(300);
    KafkaSource<AudioChunk> source = KafkaSource.<AudioChunk>builder()
        .setBootstrapServers(broker.bootstrapServers())
        .setTopics(in)
        .setGroupId("eo-test")
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(OffsetsInitializer.latest())
        .setDeserializer(new AvroRecordDeserializer<>(AudioChunk.class))
        .build();
    KafkaSink<AudioChunk> sink = KafkaSink.<AudioChunk>builder()
        .setBootstrapServers(broker.bootstrapServers())
        .setRecordSerializer(new AvroRecordSerializer<>(out, AudioChunk.class, AudioChunk::getStreamId))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix("eo-test")
        .setProperty("transaction.timeout.ms", "60000")
        .build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "chunks")
        .keyBy(AudioChunk::getStreamId)
        .map(c -> {
          Map<String, String> meta = new HashMap<>();
          meta.put("copied-by", "flink");
          c.setSourceMetadata(meta);
          return c;
        })
        .returns(AudioChunk.class)
        .sinkTo(sink);
    env.execute("exactly-once copy");

    var got = KafkaClients.consume(broker.bootstrapServers(), topics.audioRaw.withName(out),
        "read_committed", sent.size(), Duration.ofSeconds(2), Duration.ofSeconds(60));

    assertThat(got).hasSize(sent.size());
    Set<String> ids = got.stream()
        .map(r -> r.value().getStreamId() + "#" + r.value().getSequenceNumber())
        .collect(Collectors.toSet());
    assertThat(ids).hasSize(sent.size());
    assertThat(got).allSatisfy(r ->
        assertThat(r.value().getSourceMetadata()).containsEntry("copied-by", "flink"));
    // Transactions leave commit markers in the log: offsets run past the record count.
    assertThat(endOffsetSum(out)).isGreaterThan(sent.size());
  }

  private static long endOffsetSum(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
      for (int p = 0; p < 4; p++) {
        specs.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      return admin.listOffsets(specs).all().get().values().stream()
          .mapToLong(i -> i.offset()).sum();
    }
  }
}
