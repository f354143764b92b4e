package io.elasticast.app;

import io.elasticast.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Plain Kafka clients for tests: typed by a {@link Topic}, waiting with deadlines, never sleeps. */
final class KafkaClients {

  private KafkaClients() {}

  static void createTopic(String bootstrap, String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }

  static <V> void produce(String bootstrap, Topic<String, V> topic, List<V> values,
      java.util.function.Function<V, String> keyOf) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // a broker that has just restarted may take a while to lead its partitions again: the
    // producer retries, in order, for up to delivery.timeout.ms, and a record it gave up on fails
    // the test here, by name, instead of going missing downstream
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 240_000);
    List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
        new ArrayList<>();
    try (KafkaProducer<String, V> producer = new KafkaProducer<>(p,
        topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      for (V v : values) {
        sent.add(producer.send(new ProducerRecord<>(topic.name(), keyOf.apply(v), v)));
      }
      producer.flush();
    }
    int failed = 0;
    Exception first = null;
    for (var f : sent) {
      try {
        f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        failed++;
        first = first == null ? e : first;
      }
    }
    if (failed > 0) {
      throw new IllegalStateException(failed + " of " + values.size() + " records to "
          + topic.name() + " were not written: " + first.getCause(), first);
    }
  }

  /**
   * Waits until every partition of {@code topic} has a leader, as a broker that has just restarted
   * (and may be recovering its logs) reports them.
   */
  static void awaitLeaders(String bootstrap, String topic, Duration deadline) throws Exception {
    long end = System.nanoTime() + deadline.toNanos();
    String last = "not described yet";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      while (System.nanoTime() < end) {
        try {
          var description = admin.describeTopics(List.of(topic)).allTopicNames()
              .get(10, java.util.concurrent.TimeUnit.SECONDS).get(topic);
          var leaderless = description.partitions().stream()
              .filter(p -> p.leader() == null || p.leader().isEmpty()).map(p -> p.partition()).toList();
          if (leaderless.isEmpty()) {
            return;
          }
          last = "partitions without a leader: " + leaderless;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          last = e.toString();
        }
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException(topic + " not led within " + deadline + ": " + last);
  }

  /**
   * Reads until {@code expected} records arrived and then {@code quiet} passed with nothing new
   * (so duplicates would show), or until {@code deadline}.
   */
  static <V> List<ConsumerRecord<String, V>> consume(String bootstrap, Topic<String, V> topic,
      String isolation, int expected, Duration quiet, Duration deadline) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(p,
        topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      consumer.subscribe(List.of(topic.name()));
      long end = System.nanoTime() + deadline.toNanos();
      long lastNew = System.nanoTime();
      while (System.nanoTime() < end) {
        var records = consumer.poll(Duration.ofMillis(200));
        records.forEach(out::add);
        if (!records.isEmpty()) {
          lastNew = System.nanoTime();
        }
        if (out.size() >= expected && System.nanoTime() - lastNew > quiet.toNanos()) {
          break;
        }
      }
    }
    return out;
  }
}
