package io.elasticast.schemas;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro single-object encoding (2-byte marker, 8-byte schema fingerprint, binary body): each record
 * says which schema wrote it, so readers need no registry. The decoder also knows every committed
 * earlier version of the schema (see {@link SchemaHistory}), so records written by an older producer
 * still decode after the schema evolves.
 */
public final class AvroSingleObjectSerde<T extends SpecificRecord>
    implements Serde<T>, Serializer<T>, Deserializer<T> {

  private final Class<T> type;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  public AvroSingleObjectSerde(Class<T> type) {
    this.type = type;
    SpecificData model = SpecificData.getForClass(type);
    Schema schema = model.getSchema(type);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema);
    List<Schema> previous = SchemaHistory.previousVersionsOf(schema.getName());
    previous.forEach(decoder::addSchema);
  }

  public Class<T> type() {
    return type;
  }

  public byte[] encode(T record) {
    try {
      ByteBuffer buffer = encoder.encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (java.io.IOException | AvroRuntimeException e) {
      throw new SerializationException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** Throws {@link SerializationException} naming the record type and the cause for any bad input. */
  public T decode(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return decoder.decode(bytes);
    } catch (java.io.IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      throw new SerializationException(
          "not a single-object-encoded " + type.getSimpleName() + " (" + bytes.length + " bytes): "
              + e.getMessage(), e);
    }
  }

  @Override
  public byte[] serialize(String topic, T data) {
    return data == null ? null : encode(data);
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    return decode(data);
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

  @Override
  public void close() {}
}
