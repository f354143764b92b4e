package io.elasticast.app;

import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/** The same round trip against a Kafka container, where a Docker engine exists. */
@Testcontainers(disabledWithoutDocker = true)
class AudioChunkKafkaRoundTripContainerIT extends AudioChunkKafkaRoundTripContract {

  @Container
  static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.2.1");

  @Override
  String bootstrapServers() {
    return KAFKA.getBootstrapServers();
  }
}
