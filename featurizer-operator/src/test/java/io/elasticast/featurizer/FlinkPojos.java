package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** State classes as Flink sees them: POJOs, and what a checkpoint round trip gives back. */
final class FlinkPojos {

  private FlinkPojos() {}

  static void assertPojo(Class<?> type) {
    assertThat(TypeInformation.of(type)).as(type.getName()).isInstanceOf(PojoTypeInfo.class);
  }

  /** {@code value} written and read back with its Flink serializer. */
  static <T> T copy(T value, Class<T> type) {
    TypeSerializer<T> serializer = serializer(type);
    try {
      DataOutputSerializer out = new DataOutputSerializer(256);
      serializer.serialize(value, out);
      return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Bytes of {@code value} in Flink's serialized form (what a checkpoint stores). */
  static <T> int serializedBytes(T value, Class<T> type) {
    try {
      DataOutputSerializer out = new DataOutputSerializer(256);
      serializer(type).serialize(value, out);
      return out.length();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> TypeSerializer<T> serializer(Class<T> type) {
    return TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
  }
}
