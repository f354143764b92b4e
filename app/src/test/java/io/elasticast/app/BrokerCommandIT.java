package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.Topics;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintWriter;
import java.io.BufferedReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code elasticast broker} gives a broker that ordinary Kafka clients can use, with our topics. */
class BrokerCommandIT {

  @Test
  void shouldServeClientsAndCreateThePipelineTopicsUntilStopped() throws Exception {
    BrokerCommand command = new BrokerCommand();
    CommandLine cli = new CommandLine(command);
    PipedWriter pipe = new PipedWriter();
    BufferedReader printed = new BufferedReader(new PipedReader(pipe, 1 << 16));
    cli.setOut(new PrintWriter(pipe, true));
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
        () -> cli.execute("--port", "0", "--partitions", "2"));

    String bootstrap = null;
    for (String line; (line = printed.readLine()) != null; ) {
      if (line.startsWith(BrokerCommand.READY_PREFIX)) {
        bootstrap = line.substring(BrokerCommand.READY_PREFIX.length());
        break;
      }
    }
    assertThat(bootstrap).isNotNull();

    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      assertThat(names).contains(BrokerCommand.pipelineTopics());
      assertThat(admin.describeTopics(List.of(Topics.AUDIO_RAW_NAME)).allTopicNames().get()
          .get(Topics.AUDIO_RAW_NAME).partitions()).hasSize(2);
    }
    Topics topics = Topics.singleObject();
    List<AudioChunk> sent = AudioFixtures.chunks("feed-x", 5);
    KafkaClients.produce(bootstrap, topics.audioRaw, sent, AudioChunk::getStreamId);
    var got = KafkaClients.consume(bootstrap, topics.audioRaw, "read_committed", 5,
        Duration.ofMillis(300), Duration.ofSeconds(30));
    assertThat(got).hasSize(5);

    command.stop.countDown();
    assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
  }

  /**
   * As a user runs it: {@code broker --data-dir} in its own JVM, stopped by Ctrl-C (SIGINT), started
   * again on the same port and dir, finds its topics and records; its data dir stays.
   */
  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void shouldKeepItsDataInADataDirAcrossACtrlCAndARestart(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("kafka-data");
    String port = Integer.toString(JobCommand.freePort());
    Topics topics = Topics.singleObject();
    List<AudioChunk> sent = AudioFixtures.chunks("feed-kept", 5);

    try (CliProcess broker = startBroker(tmp, port, data)) {
      String bootstrap = bootstrapOf(broker);
      KafkaClients.produce(bootstrap, topics.audioRaw, sent, AudioChunk::getStreamId);
      interrupt(broker);
      assertThat(broker.awaitExit(Duration.ofSeconds(45))).as("broker exits after Ctrl-C").isTrue();
      assertThat(broker.output()).contains("stopping the broker (its data stays in " + data + ")");
    }
    assertThat(data.resolve(".kafka_cleanshutdown")).as("the broker shut down cleanly").exists();

    try (CliProcess broker = startBroker(tmp, port, data)) {
      // it got to its banner, so creating the pipeline's topics again was fine
      String bootstrap = bootstrapOf(broker);
      assertThat(bootstrap).endsWith(":" + port);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(BrokerCommand.pipelineTopics());
      }
      assertThat(KafkaClients.consume(bootstrap, topics.audioRaw, "read_committed", 5,
          Duration.ofMillis(300), Duration.ofSeconds(30))).hasSize(5);
      broker.terminate();
      assertThat(broker.awaitExit(Duration.ofSeconds(45))).as("broker exits after SIGTERM").isTrue();
    }
    assertThat(data).isDirectory();
    assertThat(data.resolve("meta.properties")).exists();
  }

  @Test
  void shouldRefuseADataDirThatHoldsOtherThingsWithAPlainError(@TempDir Path tmp) throws Exception {
    java.nio.file.Files.writeString(tmp.resolve("notes.txt"), "not Kafka's");
    java.io.StringWriter err = new java.io.StringWriter();
    CommandLine cli = new CommandLine(new BrokerCommand());
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("--port", "0", "--data-dir", tmp.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("error: embedded Kafka broker failed to start: the data dir "
        + tmp + " is not empty and holds no broker's data");
    assertThat(tmp.resolve("meta.properties")).as("nothing written into it").doesNotExist();
  }

  private static CliProcess startBroker(Path tmp, String port, Path data) throws Exception {
    CliProcess broker = CliProcess.start(tmp, line -> line.startsWith("data: "),
        "broker", "--port", port, "--partitions", "2", "--data-dir", data.toString());
    try {
      assertThat(broker.awaitLine(Duration.ofSeconds(60)))
          .contains("data: " + data + " (kept; start again with the same --data-dir and --port)");
      return broker;
    } catch (Throwable e) {
      broker.close();
      throw e;
    }
  }

  private static String bootstrapOf(CliProcess broker) {
    return broker.output().lines().filter(l -> l.startsWith(BrokerCommand.READY_PREFIX))
        .map(l -> l.substring(BrokerCommand.READY_PREFIX.length())).findFirst().orElseThrow();
  }

  /** What a terminal's Ctrl-C sends (to the CLI's JVM only: its broker child ignores it). */
  private static void interrupt(CliProcess process) throws Exception {
    assertThat(new ProcessBuilder("kill", "-INT", Long.toString(process.process().pid()))
        .start().waitFor()).isZero();
  }
}
