package io.elasticast.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.elasticast.kafka.EmbeddedKafkaBroker.Options;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerIT {

  @Test
  void shouldStartAcceptConnectionsAndCleanUpOnClose() throws Exception {
    long t0 = System.nanoTime();
    Path dir;
    String bootstrap;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      long startMillis = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("embedded broker ready in " + startMillis + " ms at " + broker.bootstrapServers());
      bootstrap = broker.bootstrapServers();
      dir = broker.workDir();
      assertThat(broker.isRunning()).isTrue();
      assertThat(Files.isDirectory(dir.resolve("data"))).isTrue();
      assertThat(broker.logTail(200)).contains(EmbeddedKafkaBroker.READY_LINE);
      int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        assertThat(s.isConnected()).isTrue();
      }
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void shouldGiveTheBrokerLogTailWhenTheBrokerCannotStartAndLeaveNothingBehind() throws Exception {
    java.util.Set<Path> before = brokerTempDirs();
    // An invalid property makes the broker exit during start-up.
    EmbeddedKafkaBroker.Options bad = EmbeddedKafkaBroker.Options.defaults()
        .property("num.network.threads", "not-a-number")
        .startTimeout(Duration.ofSeconds(30));
    assertThatThrownBy(() -> EmbeddedKafkaBroker.start(bad))
        .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
        .hasMessageContaining("broker log")
        .hasMessageContaining("num.network.threads");
    assertThat(brokerTempDirs()).isEqualTo(before);
  }

  @Test
  void shouldOutliveCtrlCSoItsOwnerCanShutDownInOrderAndStopOnClose() throws Exception {
    // A terminal's Ctrl-C signals the whole process group, the broker included.
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      ProcessHandle process = ProcessHandle.of(broker.pid()).orElseThrow();
      assertThat(new ProcessBuilder("kill", "-INT", Long.toString(broker.pid())).start().waitFor()).isZero();
      Thread.sleep(2000);
      assertThat(process.isAlive()).as("broker alive 2 s after SIGINT").isTrue();
      String bootstrap = broker.bootstrapServers();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1))), 1000);
        assertThat(s.isConnected()).isTrue();
      }
      broker.close();
      assertThat(process.isAlive()).as("broker stopped by close()").isFalse();
    }
  }

  @Test
  void shouldKeepTopicsRecordsOffsetsAndTransactionsInADataDirAcrossARestart(
      @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("kafka-data");
    int port = EmbeddedKafkaBroker.freePort();
    EmbeddedKafkaBroker.Options options = EmbeddedKafkaBroker.Options.defaults().port(port).dataDir(data);
    String topic = "kept";
    Map<TopicPartition, OffsetAndMetadata> groupOffsets;
    TransactionDescription transaction;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options)) {
      broker.createTopic(topic, 2);
      Properties props = new Properties();
      props.put("bootstrap.servers", broker.bootstrapServers());
      props.put("key.serializer", StringSerializer.class.getName());
      props.put("value.serializer", StringSerializer.class.getName());
      try (var plain = new KafkaProducer<String, String>(props)) {
        plain.send(new ProducerRecord<>(topic, "a", "plain")).get();
      }
      props.put("transactional.id", "kept-tx");
      try (var tx = new KafkaProducer<String, String>(props)) {
        tx.initTransactions();
        tx.beginTransaction();
        tx.send(new ProducerRecord<>(topic, "b", "committed"));
        tx.commitTransaction();
      }
      assertThat(consume(broker, topic, "group-a", 2)).containsExactlyInAnyOrder("plain", "committed");
      try (Admin admin = admin(broker)) {
        groupOffsets = admin.listConsumerGroupOffsets("group-a").partitionsToOffsetAndMetadata().get();
        transaction = admin.describeTransactions(List.of("kept-tx")).description("kept-tx").get();
      }
      assertThat(groupOffsets).isNotEmpty();
      assertThat(transaction.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);

      // a second broker on a dir in use is refused at once, not left to fail on a held port
      assertThatThrownBy(() -> EmbeddedKafkaBroker.start(Options.defaults().dataDir(data)))
          .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
          .hasMessageContaining("in use by a running broker");
    }
    assertThat(data).as("a kept data dir survives close").isDirectory();
    assertThat(data.resolve(".kafka_cleanshutdown")).as("close() shut the broker down cleanly").exists();
    assertThat(data.resolve(".lock")).as("and released the dir").doesNotExist();

    long t0 = System.nanoTime();
    try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.start(options)) {
      System.out.println("restarted on the same port and data dir in "
          + (System.nanoTime() - t0) / 1_000_000 + " ms");
      assertThat(again.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
      assertThat(again.dataDir()).isEqualTo(data.toAbsolutePath());
      again.createTopic(topic, 2); // creating an existing topic is not an error
      try (Admin admin = admin(again)) {
        assertThat(admin.listTopics().names().get()).contains(topic);
        assertThat(admin.listConsumerGroupOffsets("group-a").partitionsToOffsetAndMetadata().get())
            .as("group-a's committed offsets").isEqualTo(groupOffsets);
        TransactionDescription after = admin.describeTransactions(List.of("kept-tx")).description("kept-tx").get();
        assertThat(after.state()).as("the transaction's state").isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(after.producerId()).as("the transactional id's producer id").isEqualTo(transaction.producerId());
      }
      assertThat(consume(again, topic, "group-b", 2)).containsExactlyInAnyOrder("plain", "committed");
    }
    assertThat(data).isDirectory();
  }

  @Test
  void shouldServeAKeptDataDirOnAnotherPortToo(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("kafka-data");
    int first = EmbeddedKafkaBroker.freePort();
    int second;
    do {
      second = EmbeddedKafkaBroker.freePort();
    } while (second == first);
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Options.defaults().port(first).dataDir(data))) {
      broker.createTopic("moved", 1);
    }
    try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.start(Options.defaults().port(second).dataDir(data));
        Admin admin = admin(again)) {
      assertThat(admin.listTopics().names().get()).contains("moved");
    }
  }

  @Test
  void shouldRefuseAFixedPortInUseWithAPlainMessage() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> EmbeddedKafkaBroker.start(Options.defaults().port(taken.getLocalPort())))
          .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
          .hasMessageContaining("port " + taken.getLocalPort() + " on 127.0.0.1 is in use");
    }
  }

  @Test
  void shouldKeepRecordsWhateverTheirTimestamp() throws Exception {
    // the job's outputs carry the audio's event time, which a replay or fixture puts long ago
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
        Admin admin = admin(broker)) {
      admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic("kept", 1, (short) 1)))
          .all().get();
      var topic = new org.apache.kafka.common.config.ConfigResource(
          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "kept");
      var config = admin.describeConfigs(java.util.List.of(topic)).all().get().get(topic);
      assertThat(config.get("retention.ms").value()).isEqualTo("-1");
    }
  }

  private static Admin admin(EmbeddedKafkaBroker broker) {
    return Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()));
  }

  /** Reads {@code n} records with read_committed from the start and commits the group's offsets. */
  private static List<String> consume(EmbeddedKafkaBroker broker, String topic, String group, int n) {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put("group.id", group);
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    props.put("isolation.level", "read_committed");
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    List<String> out = new ArrayList<>();
    try (var consumer = new KafkaConsumer<String, String>(props)) {
      consumer.subscribe(List.of(topic));
      long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < n && System.nanoTime() < end) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
      }
      consumer.commitSync();
    }
    return out;
  }

  private static java.util.Set<Path> brokerTempDirs() throws Exception {
    try (var list = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return list.filter(p -> p.getFileName().toString().startsWith("elasticast-kafka-"))
          .collect(java.util.stream.Collectors.toSet());
    }
  }
}
