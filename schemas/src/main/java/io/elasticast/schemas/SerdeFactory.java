package io.elasticast.schemas;

import java.util.Map;
import java.util.ServiceLoader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Makes the value serde for a record type. The default is registry-free single-object encoding; a
 * schema-registry serde plugs in by naming it in {@code elasticast.serde.format} and putting a
 * {@link SerdeFactory} implementation with that {@link #name()} on the classpath (ServiceLoader).
 */
public interface SerdeFactory {

  String CONFIG_FORMAT = "elasticast.serde.format";
  String SINGLE_OBJECT = "single-object";

  String name();

  /** {@code config} is the Kafka client configuration, e.g. to read a registry URL from. */
  void configure(Map<String, ?> config);

  <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type);

  static SerdeFactory singleObject() {
    return new SerdeFactory() {
      @Override
      public String name() {
        return SINGLE_OBJECT;
      }

      @Override
      public void configure(Map<String, ?> config) {}

      @Override
      public <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type) {
        return new AvroSingleObjectSerde<>(type);
      }
    };
  }

  /** The factory named by {@link #CONFIG_FORMAT} in {@code config} (single-object when unset). */
  static SerdeFactory fromConfig(Map<String, ?> config) {
    Object configured = config.get(CONFIG_FORMAT);
    Object wanted = configured == null ? SINGLE_OBJECT : configured;
    if (SINGLE_OBJECT.equals(wanted)) {
      return singleObject();
    }
    StringBuilder known = new StringBuilder(SINGLE_OBJECT);
    for (SerdeFactory f : ServiceLoader.load(SerdeFactory.class)) {
      if (f.name().equals(wanted)) {
        f.configure(config);
        return f;
      }
      known.append(", ").append(f.name());
    }
    throw new IllegalArgumentException(
        CONFIG_FORMAT + "=" + wanted + " is not available; known formats: " + known);
  }
}
