package io.elasticast.schemas;

import org.apache.kafka.common.serialization.Serde;

/** A topic's name with the serdes of its key and value, so producers and consumers cannot disagree. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {

  public Topic<K, V> withName(String newName) {
    return new Topic<>(newName, keySerde, valueSerde);
  }
}
