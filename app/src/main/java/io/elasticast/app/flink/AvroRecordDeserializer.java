package io.elasticast.app.flink;

import io.elasticast.schemas.AvroSingleObjectSerde;
import java.io.IOException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads single-object-encoded Avro values for a {@code KafkaSource}. The serde is not
 * serialisable, so only the record class travels with the job and the serde is built on open.
 */
public final class AvroRecordDeserializer<T extends SpecificRecord>
    implements KafkaRecordDeserializationSchema<T> {

  private final Class<T> type;
  private transient AvroSingleObjectSerde<T> serde;

  public AvroRecordDeserializer(Class<T> type) {
    this.type = type;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    serde = new AvroSingleObjectSerde<>(type);
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out) throws IOException {
    if (serde == null) {
      serde = new AvroSingleObjectSerde<>(type);
    }
    out.collect(serde.decode(record.value()));
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return TypeInformation.of(type);
  }
}
