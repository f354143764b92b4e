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
 * still decode after the schema evolves. A fingerprint it does not know is refused, and the
 * model ({@link OwnPackageData}) instantiates classes of this package only.
 */
public final class AvroSingleObjectSerde<T extends SpecificRecord>
    implements Serde<T>, Serializer<T>, Deserializer<T> {

  /**
   * The longest string, bytes or collection a record of ours may claim. Avro allocates what a
   * length prefix claims before reading it: without a limit, a 20-byte garbage record claiming a
   * 1.5 GB field throws OutOfMemoryError, which a Flink TaskManager treats as fatal. Our largest
   * legitimate field is a raw chunk's payload (10 s of 8-channel 192 kHz float32 is 61 MB).
   */
  public static final int MAX_FIELD_LENGTH = 64 * 1024 * 1024;

  static {
    limitAvroFieldLengths();
  }

  private final Class<T> type;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  public AvroSingleObjectSerde(Class<T> type) {
    this.type = type;
    SpecificData model = OwnPackageData.forClass(type);
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
    } catch (java.io.IOException | RuntimeException e) {
      // corrupt input surfaces as many kinds of runtime exception (a bad length prefix, for
      // one, as UnsupportedOperationException); every one means "not such a record"
      throw new SerializationException(
          "not a single-object-encoded " + type.getSimpleName() + " (" + bytes.length + " bytes): "
              + e.getMessage(), e);
    } catch (OutOfMemoryError e) {
      // one refused allocation of what a length prefix claimed (under MAX_FIELD_LENGTH but more
      // than the heap has): nothing was allocated, the heap is as it was
      throw new SerializationException("not a single-object-encoded " + type.getSimpleName()
          + " (" + bytes.length + " bytes): it claims a field larger than the free heap", e);
    }
  }

  /**
   * Sets Avro's field-length limits to {@link #MAX_FIELD_LENGTH} unless the JVM was started with
   * its own (Avro reads the properties once, so they are re-read here).
   */
  static void limitAvroFieldLengths() {
    String limit = Integer.toString(MAX_FIELD_LENGTH);
    for (String property : new String[] {org.apache.avro.SystemLimitException.MAX_BYTES_LENGTH_PROPERTY,
        org.apache.avro.SystemLimitException.MAX_STRING_LENGTH_PROPERTY,
        org.apache.avro.SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY}) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, limit);
      }
    }
    try {
      java.lang.reflect.Method reset =
          org.apache.avro.SystemLimitException.class.getDeclaredMethod("resetLimits");
      reset.setAccessible(true);
      reset.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // an Avro without resetLimits reads the properties at its first use, after this point
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
