package io.elasticast.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    EmbeddedKafkaBroker.Options options = EmbeddedKafkaBroker.Options.defaults().port(port).dataDir(data);
    String topic = "kept";
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options)) {
      broker.createTopic(topic, 2);
      var props = new java.util.Properties();
      props.put("bootstrap.servers", broker.bootstrapServers());
      props.put("key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
      props.put("value.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
      try (var plain = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(props)) {
        plain.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "k", "plain")).get();
      }
      props.put("transactional.id", "kept-tx");
      try (var tx = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(props)) {
        tx.initTransactions();
        tx.beginTransaction();
        tx.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "k", "committed"));
        tx.commitTransaction();
      }
      assertThat(consume(broker, "group-a", 2)).containsExactlyInAnyOrder("plain", "committed");
    }
    assertThat(data).as("a kept data dir survives close").isDirectory();

    try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.start(options)) {
      assertThat(again.bootstrapServers()).endsWith(":" + port);
      assertThat(again.dataDir()).isEqualTo(data.toAbsolutePath());
      again.createTopic(topic, 2); // creating an existing topic is not an error
      // a fresh group reads both records back; the first group's committed offsets survived
      assertThat(consume(again, "group-b", 2)).containsExactlyInAnyOrder("plain", "committed");
      try (var admin = org.apache.kafka.clients.admin.Admin.create(
          java.util.Map.<String, Object>of("bootstrap.servers", again.bootstrapServers()))) {
        long committed = admin.listConsumerGroupOffsets("group-a").partitionsToOffsetAndMetadata()
            .get().values().stream().mapToLong(o -> o.offset()).sum();
        assertThat(committed).as("group-a's offsets").isGreaterThanOrEqualTo(2);
      }
    }
    assertThat(data).isDirectory();
  }

  private static java.util.List<String> consume(EmbeddedKafkaBroker broker, String group, int n) {
    var props = new java.util.Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put("group.id", group);
    props.put("auto.offset.reset", "earliest");
    props.put("isolation.level", "read_committed");
    props.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
    props.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
    java.util.List<String> out = new java.util.ArrayList<>();
    try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(props)) {
      consumer.subscribe(java.util.List.of("kept"));
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
