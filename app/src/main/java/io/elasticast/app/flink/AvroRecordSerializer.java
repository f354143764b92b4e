package io.elasticast.app.flink;

import io.elasticast.schemas.AvroSingleObjectSerde;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.DefaultKafkaDatasetIdentifier;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacetProvider;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes single-object-encoded Avro values for a {@code KafkaSink}, keyed by a string taken from
 * the record (the stream id), so one feed's records stay in one partition and in order.
 */
public final class AvroRecordSerializer<T extends SpecificRecord>
    implements KafkaRecordSerializationSchema<T>, KafkaDatasetFacetProvider {

  /** A serialisable key extractor. */
  public interface KeyOf<T> extends Function<T, String>, java.io.Serializable {}

  private final String topic;
  private final Class<T> type;
  private final KeyOf<T> keyOf;
  private transient AvroSingleObjectSerde<T> serde;

  public AvroRecordSerializer(String topic, Class<T> type, KeyOf<T> keyOf) {
    this.topic = topic;
    this.type = type;
    this.keyOf = keyOf;
  }

  /**
   * The topic this writes: the exactly-once sink's POOLING transaction naming lists the open
   * transactions on it to abort lingering ones at recovery.
   */
  @Override
  public Optional<KafkaDatasetFacet> getKafkaDatasetFacet() {
    return Optional.of(new DefaultKafkaDatasetFacet(DefaultKafkaDatasetIdentifier.ofTopics(List.of(topic))));
  }

  @Override
  public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    serde = new AvroSingleObjectSerde<>(type);
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
    if (serde == null) {
      serde = new AvroSingleObjectSerde<>(type);
    }
    String key = keyOf.apply(element);
    return new ProducerRecord<>(topic, null, brokerSafe(timestamp, System.currentTimeMillis()),
        key == null ? null : key.getBytes(StandardCharsets.UTF_8), serde.encode(element));
  }

  /**
   * The record timestamp to write: the element's event time, but never before the epoch (the
   * producer refuses it) nor after now (the broker refuses timestamps more than
   * {@code message.timestamp.after.max.ms}, 1 h by default, ahead; an exception there would fail
   * the sink). {@code null} lets the producer stamp the send time.
   */
  static Long brokerSafe(Long timestamp, long nowMillis) {
    if (timestamp == null || timestamp < 0) {
      return null;
    }
    return Math.min(timestamp, nowMillis);
  }
}
