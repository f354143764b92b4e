package io.elasticast.app.flink;

import io.elasticast.featurizer.SourcedChunk;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.AvroSingleObjectSerde;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.EventTimeBounds;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads the job's input records and never throws: a value that is null, empty or not an
 * {@link AudioChunk} becomes a {@link SourcedChunk} with a reason (dead-lettered by the gate),
 * instead of failing the source and restarting the job forever. Every record keeps its topic,
 * partition and offset. Event times are judged here too, so a chunk from a broken clock never
 * moves the watermark (see {@link SourcedChunk#eventTimeMillis}).
 */
public final class SourcedChunkDeserializer implements KafkaRecordDeserializationSchema<SourcedChunk> {

  private final EventTimeBounds eventTimes;
  private transient AvroSingleObjectSerde<AudioChunk> serde;

  public SourcedChunkDeserializer(EventTimeBounds eventTimes) {
    this.eventTimes = eventTimes;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    serde = new AvroSingleObjectSerde<>(AudioChunk.class);
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SourcedChunk> out) {
    out.collect(read(record, System.currentTimeMillis()));
  }

  SourcedChunk read(ConsumerRecord<byte[], byte[]> record, long nowMillis) {
    if (serde == null) {
      serde = new AvroSingleObjectSerde<>(AudioChunk.class);
    }
    SourcedChunk s = new SourcedChunk();
    s.topic = record.topic();
    s.partition = record.partition();
    s.offset = record.offset();
    s.key = record.key();
    byte[] value = record.value();
    if (value == null) {
      return reject(s, DeadLetterReason.UNDECODABLE, "record has no value (tombstone)");
    }
    if (value.length == 0) {
      return reject(s, DeadLetterReason.UNDECODABLE, "record value is empty");
    }
    try {
      s.chunk = serde.decode(value);
    } catch (RuntimeException e) {
      s.value = value;
      return reject(s, DeadLetterReason.UNDECODABLE, e.getMessage());
    }
    eventTimes.violation(s.chunk.getEventTimeStartMicros(), nowMillis)
        .ifPresent(why -> reject(s, DeadLetterReason.BAD_EVENT_TIME, why));
    return s;
  }

  private static SourcedChunk reject(SourcedChunk s, DeadLetterReason reason, String message) {
    s.rejectReason = reason;
    s.rejectMessage = message == null ? reason.name() : message;
    return s;
  }

  @Override
  public TypeInformation<SourcedChunk> getProducedType() {
    return TypeInformation.of(SourcedChunk.class);
  }
}
