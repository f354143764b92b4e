package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.Topics;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintWriter;
import java.io.BufferedReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
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

  @Test
  void shouldKeepItsDataInADataDirAcrossARestart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    java.nio.file.Path data = tmp.resolve("broker");
    String port = Integer.toString(JobCommand.freePort());
    Topics topics = Topics.singleObject();
    List<AudioChunk> sent = AudioFixtures.chunks("feed-kept", 5);
    for (int run = 0; run < 2; run++) {
      BrokerCommand command = new BrokerCommand();
      CommandLine cli = new CommandLine(command);
      PipedWriter pipe = new PipedWriter();
      BufferedReader printed = new BufferedReader(new PipedReader(pipe, 1 << 16));
      cli.setOut(new PrintWriter(pipe, true));
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
          () -> cli.execute("--port", port, "--partitions", "2", "--data-dir", data.toString()));
      String bootstrap = null;
      String dataLine = null;
      for (String line; (line = printed.readLine()) != null; ) {
        if (line.startsWith(BrokerCommand.READY_PREFIX)) {
          bootstrap = line.substring(BrokerCommand.READY_PREFIX.length());
        }
        if (line.startsWith("data: ")) {
          dataLine = line;
          break;
        }
      }
      assertThat(bootstrap).isNotNull();
      assertThat(dataLine).contains("kept");
      if (run == 0) {
        KafkaClients.produce(bootstrap, topics.audioRaw, sent, AudioChunk::getStreamId);
      }
      // the second run finds the first run's records (and its topics: creating them again is fine)
      assertThat(KafkaClients.consume(bootstrap, topics.audioRaw, "read_committed", 5,
          Duration.ofMillis(300), Duration.ofSeconds(30))).hasSize(5);
      command.stop.countDown();
      assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
      assertThat(data).isDirectory();
    }
  }
}
