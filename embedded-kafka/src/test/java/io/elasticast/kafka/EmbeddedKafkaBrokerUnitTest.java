package io.elasticast.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
