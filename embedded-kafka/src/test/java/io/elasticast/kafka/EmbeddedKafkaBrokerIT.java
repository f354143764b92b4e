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

  private static java.util.Set<Path> brokerTempDirs() throws Exception {
    try (var list = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return list.filter(p -> p.getFileName().toString().startsWith("elasticast-kafka-"))
          .collect(java.util.stream.Collectors.toSet());
    }
  }
}
