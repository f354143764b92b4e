package io.elasticast.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerUnitTest {

  @Test
  void shouldResolveTheBrokerClasspathAgainstTheLocalRepository() {
    List<Path> jars = EmbeddedKafkaBroker.brokerClasspath(EmbeddedKafkaBroker.localMavenRepository());
    assertThat(jars).anySatisfy(p -> assertThat(p.getFileName().toString()).startsWith("kafka_2.13-"));
    assertThat(jars).anySatisfy(p -> assertThat(p.getFileName().toString()).startsWith("kafka-server-"));
    assertThat(jars).allSatisfy(p -> assertThat(p).isRegularFile());
  }

  @Test
  void shouldNameTheMissingJarsWhenTheRepositoryLacksThem(@TempDir Path emptyRepo) {
    assertThatThrownBy(() -> EmbeddedKafkaBroker.brokerClasspath(emptyRepo))
        .hasMessageContaining("not in the local Maven repository")
        .hasMessageContaining("kafka");
  }

  @Test
  void shouldWriteACombinedKraftConfigWithSingleReplicaInternals() {
    String props = EmbeddedKafkaBroker.serverProperties(Path.of("/tmp/x"), 1234, 5678,
        EmbeddedKafkaBroker.Options.defaults().property("num.partitions", "3"));
    assertThat(props).contains("process.roles=broker,controller")
        .contains("listeners=PLAINTEXT://127.0.0.1:1234,CONTROLLER://127.0.0.1:5678")
        .contains("transaction.state.log.replication.factor=1")
        .contains("num.partitions=3");
  }

  @Test
  void shouldNeverStartAClusterIdWithADashWhichTheStorageToolWouldReadAsAnOption() {
    // about 1 in 64 raw ids starts with '-': 20 000 draws hit that case hundreds of times
    for (int i = 0; i < 20_000; i++) {
      String id = EmbeddedKafkaBroker.randomClusterId();
      assertThat(id).hasSize(22).doesNotStartWith("-").matches("[A-Za-z0-9_-]+");
    }
  }

  @Test
  void shouldAcceptANewEmptyOrHalfFormattedDataDir(@TempDir Path tmp) throws Exception {
    EmbeddedKafkaBroker.checkDataDir(tmp.resolve("new"));
    EmbeddedKafkaBroker.checkDataDir(tmp);
    Files.writeString(tmp.resolve(EmbeddedKafkaBroker.CONTROLLER_PORT_FILE), "12345");
    Files.writeString(tmp.resolve("bootstrap.checkpoint"), "");
    EmbeddedKafkaBroker.checkDataDir(tmp);
  }

  @Test
  void shouldAcceptOurOwnFormattedDataDir(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("meta.properties"), "version=1\nnode.id=1\ncluster.id=abc\n");
    Files.createDirectories(tmp.resolve("audio.raw-0"));
    EmbeddedKafkaBroker.checkDataDir(tmp);
  }

  @Test
  void shouldRefuseADataDirThatIsNotABrokersOwnWithAPlainMessage(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    assertThatThrownBy(() -> EmbeddedKafkaBroker.checkDataDir(file))
        .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
        .hasMessageContaining("is not a directory");

    Path photos = Files.createDirectories(tmp.resolve("photos"));
    Files.writeString(photos.resolve("cat.jpg"), "x");
    assertThatThrownBy(() -> EmbeddedKafkaBroker.checkDataDir(photos))
        .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
        .hasMessageContaining("not empty and holds no broker's data")
        .hasMessageContaining("cat.jpg")
        .hasMessageNotContaining("broker log");

    Path otherNode = Files.createDirectories(tmp.resolve("other-node"));
    Files.writeString(otherNode.resolve("meta.properties"), "version=1\nnode.id=3\ncluster.id=xyz\n");
    assertThatThrownBy(() -> EmbeddedKafkaBroker.checkDataDir(otherNode))
        .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
        .hasMessageContaining("holds another Kafka's data")
        .hasMessageContaining("node.id=3, cluster.id=xyz");

    Path zookeeperEra = Files.createDirectories(tmp.resolve("zk"));
    Files.writeString(zookeeperEra.resolve("meta.properties"), "version=0\nbroker.id=1\ncluster.id=old\n");
    assertThatThrownBy(() -> EmbeddedKafkaBroker.checkDataDir(zookeeperEra))
        .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
        .hasMessageContaining("version=0");
  }

  @Test
  void shouldReplaceAStoredControllerPortThatIsTakenNow(@TempDir Path tmp) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Files.writeString(tmp.resolve(EmbeddedKafkaBroker.CONTROLLER_PORT_FILE),
          Integer.toString(taken.getLocalPort()));
      int port = EmbeddedKafkaBroker.controllerPort(tmp);
      assertThat(port).isNotEqualTo(taken.getLocalPort());
      assertThat(EmbeddedKafkaBroker.controllerPort(tmp)).as("the new one is stored").isEqualTo(port);
    }
  }
}
