package io.elasticast.app;

import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/** The same end-to-end contract against a Kafka container, where a Docker engine exists. */
@Testcontainers(disabledWithoutDocker = true)
class EndToEndContainerIT extends EndToEndContract {

  private KafkaContainer kafka;

  @Override
  LocalPipeline startPipeline() {
    kafka = new KafkaContainer("apache/kafka:4.2.1")
        .withEnv("KAFKA_TRANSACTION_MAX_TIMEOUT_MS", "900000");
    kafka.start();
    return LocalPipeline.onBroker(kafka.getBootstrapServers());
  }

  @Override
  void stopBroker() {
    if (kafka != null) {
      kafka.stop();
    }
  }
}
