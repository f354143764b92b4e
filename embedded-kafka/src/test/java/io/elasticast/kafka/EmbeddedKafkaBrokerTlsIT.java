package io.elasticast.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A broker whose only client listener is TLS (key made in the test): a TLS client works, a plaintext one is refused. */
class EmbeddedKafkaBrokerTlsIT {

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void shouldServeTlsClientsAndRefusePlaintextOnes(@TempDir Path tmp) throws Exception {
    EmbeddedKafkaBroker.Tls tls = EmbeddedKafkaBroker.Tls.generate(tmp.resolve("tls"));
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults().tls(tls))) {
      broker.createTopic("secure", 1); // the broker's own admin client goes over TLS too
      assertThat(broker.clientProperties()).containsEntry("security.protocol", "SSL");

      Map<String, Object> client = new HashMap<>(broker.clientProperties());
      client.put("bootstrap.servers", broker.bootstrapServers());
      try (var producer = new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("secure", "k", "over tls")).get(30, TimeUnit.SECONDS);
      }
      Map<String, Object> reader = new HashMap<>(client);
      reader.put("group.id", "tls-reader");
      reader.put("auto.offset.reset", "earliest");
      try (var consumer = new KafkaConsumer<>(reader, new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of("secure"));
        List<String> got = new java.util.ArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (got.isEmpty() && System.nanoTime() < end) {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> got.add(r.value()));
        }
        assertThat(got).containsExactly("over tls");
      }

      Map<String, Object> plaintext = Map.of("bootstrap.servers", broker.bootstrapServers(),
          "request.timeout.ms", 3000, "default.api.timeout.ms", 5000);
      try (Admin admin = Admin.create(plaintext)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class);
      }
      // a TLS client that does not trust the key is refused too
      Map<String, Object> untrusting = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
          "security.protocol", "SSL", "request.timeout.ms", 3000, "default.api.timeout.ms", 5000));
      try (Admin admin = Admin.create(untrusting)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
            .hasCauseInstanceOf(org.apache.kafka.common.errors.SslAuthenticationException.class);
      }
    }
  }
}
