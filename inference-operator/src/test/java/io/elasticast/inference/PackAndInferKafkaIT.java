package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AvroSingleObjectSerde;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Packed inference on a MiniCluster at parallelism 2, written through exactly-once KafkaSinks to
 * a real broker and read back with read_committed: every window once on the events topic, the
 * watched ones on the alerts topic, keyed by stream id.
 */
class PackAndInferKafkaIT {

  private static final int PARALLELISM = 2;

  @RegisterExtension
  static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder()
          .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(PARALLELISM).build());

  /** Value: single-object Avro; key: the stream id (one feed stays in one partition). */
  static final class EventSerializer implements KafkaRecordSerializationSchema<ClassificationEvent> {
    private final String topic;
    private transient AvroSingleObjectSerde<ClassificationEvent> serde;

    EventSerializer(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(ClassificationEvent e, KafkaSinkContext context,
        Long timestamp) {
      if (serde == null) {
        serde = new AvroSingleObjectSerde<>(ClassificationEvent.class);
      }
      return new ProducerRecord<>(topic, null, timestamp,
          e.getStreamId().getBytes(StandardCharsets.UTF_8), serde.encode(e));
    }
  }

  static KafkaSink<ClassificationEvent> exactlyOnceSink(String bootstrap, String topic) {
    Properties producer = new Properties();
    producer.setProperty("transaction.timeout.ms", "60000");
    return KafkaSink.<ClassificationEvent>builder()
        .setBootstrapServers(bootstrap)
        .setRecordSerializer(new EventSerializer(topic))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix("inference-it-" + topic)
        .setKafkaProducerConfig(producer)
        .build();
  }

  @Test
  void shouldWriteEveryWindowOnceToTheEventsTopic() throws Exception {
    List<SpectrogramWindow> windows = new ArrayList<>();
    Random rnd = new Random(5);
    int[] shifts = {10, 20, 40};
    for (int i = 0; i < 40; i++) {
      windows.add(Windows.seconds("feed-" + i % 6, i / 6, 1 + rnd.nextInt(4),
          shifts[rnd.nextInt(3)], i));
    }
    String events = Topics.EVENTS_NAME;

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      broker.createTopic(events, 2);

      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setParallelism(PARALLELISM);
      env.enableCheckpointing(300);
      InferenceSettings settings = TestModels.tinySettings()
          .withBatching(512, 100, 64);

      SingleOutputStreamOperator<ClassificationEvent> scored = env
          .fromData(windows, TypeInformation.of(SpectrogramWindow.class))
          .rebalance()
          .transform("pack-and-infer", PackAndInferOperator.EVENT_TYPE,
              new PackAndInferOperator(settings));
      scored.sinkTo(exactlyOnceSink(broker.bootstrapServers(), events));
      env.execute("pack-and-infer-it");

      List<ConsumerRecord<byte[], byte[]>> eventRecords = readCommitted(broker, events, 40);
      List<String> ids = new ArrayList<>();
      List<ClassificationEvent> decoded = new ArrayList<>();
      var serde = new AvroSingleObjectSerde<>(ClassificationEvent.class);
      for (ConsumerRecord<byte[], byte[]> r : eventRecords) {
        ClassificationEvent e = serde.decode(r.value());
        decoded.add(e);
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(e.getStreamId());
        ids.add(e.getStreamId() + "@" + e.getWindowStartMicros());
      }
      List<String> expected = windows.stream().map(w -> w.streamId + "@" + w.startMicros).toList();
      assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(decoded).anySatisfy(
          e -> assertThat(e.getPackStats().getWindowsInCall()).isGreaterThan(1));

    }
  }

  /**
   * Passes events through, but fails the job once, mid-stream, right after a checkpoint has
   * completed: the restart from that checkpoint must neither lose nor repeat a window.
   */
  static final class FailOnceAfterCheckpoint
      implements MapFunction<ClassificationEvent, ClassificationEvent>, CheckpointListener {
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicInteger SEEN_AFTER_CHECKPOINT = new AtomicInteger();
    private transient boolean checkpointed;

    @Override
    public ClassificationEvent map(ClassificationEvent e) {
      if (checkpointed && SEEN_AFTER_CHECKPOINT.incrementAndGet() >= 2
          && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("injected failure after a completed checkpoint");
      }
      return e;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      checkpointed = true;
    }
  }

  @Test
  void shouldNeitherLoseNorRepeatWindowsWhenTheJobRestartsFromACheckpoint() throws Exception {
    int count = 60;
    GeneratorFunction<Long, SpectrogramWindow> windowAt = i -> Windows.seconds(
        "feed-" + i % 4, i / 4, 1 + (i % 3), 10 * (1 + (int) (i % 4)), i);
    String events = "events-failover";
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      broker.createTopic(events, 2);
      Configuration conf = new Configuration();
      conf.setString("restart-strategy.type", "fixed-delay");
      conf.setString("restart-strategy.fixed-delay.attempts", "2");
      conf.setString("restart-strategy.fixed-delay.delay", "200 ms");
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      env.setParallelism(PARALLELISM);
      env.enableCheckpointing(200);
      InferenceSettings settings = TestModels.tinySettings()
          .withBatching(512, 150, 64);
      env.fromSource(new DataGeneratorSource<>(windowAt, count,
                  RateLimiterStrategy.perSecond(12), TypeInformation.of(SpectrogramWindow.class)),
              WatermarkStrategy.noWatermarks(), "windows")
          .rebalance()
          .transform("pack-and-infer", PackAndInferOperator.EVENT_TYPE,
              new PackAndInferOperator(settings))
          .map(new FailOnceAfterCheckpoint()).returns(PackAndInferOperator.EVENT_TYPE)
          .sinkTo(exactlyOnceSink(broker.bootstrapServers(), events));
      env.execute("pack-and-infer-failover-it");

      assertThat(FailOnceAfterCheckpoint.FAILED).isTrue();
      var serde = new AvroSingleObjectSerde<>(ClassificationEvent.class);
      List<String> ids = readCommitted(broker, events, count).stream()
          .map(r -> serde.decode(r.value()))
          .map(e -> e.getStreamId() + "@" + e.getWindowStartMicros()).toList();
      List<String> expected = new ArrayList<>();
      for (long i = 0; i < count; i++) {
        SpectrogramWindow w = windowAt.map(i);
        expected.add(w.streamId + "@" + w.startMicros);
      }
      assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  /** Reads until {@code expected} records arrived, then a little longer to catch extras. */
  private static List<ConsumerRecord<byte[], byte[]>> readCommitted(EmbeddedKafkaBroker broker,
      String topic, int expected) {
    Properties p = new Properties();
    p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + topic);
    p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int quietPolls = 0;
      while (System.nanoTime() < deadline && (out.size() < expected || quietPolls < 3)) {
        int before = out.size();
        consumer.poll(Duration.ofMillis(300)).forEach(out::add);
        quietPolls = out.size() == before && out.size() >= expected ? quietPolls + 1 : 0;
      }
    }
    return out;
  }
}
