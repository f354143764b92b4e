package io.elasticast.app;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The round trip on the embedded broker: runs everywhere, CI included. */
class AudioChunkKafkaRoundTripIT extends AudioChunkKafkaRoundTripContract {

  static EmbeddedKafkaBroker broker;

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

  @Override
  String bootstrapServers() {
    return broker.bootstrapServers();
  }
}
