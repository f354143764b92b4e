package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.elasticast.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

  @Test
  void shouldDocumentEveryDefaultAndUseThePipelineTopicNames() {
    JobConfig c = JobConfig.defaults().validate();
    assertThat(c.topics.normalised).isEqualTo(Topics.AUDIO_NORMALISED_NAME);
    assertThat(c.topics.events).isEqualTo(Topics.EVENTS_NAME);
    assertThat(c.topics.alerts).isEqualTo(Topics.ALERTS_NAME);
    assertThat(c.topics.deadLetters).isEqualTo(Topics.DEAD_LETTERS_NAME);
    assertThat(c.sink.deliveryGuarantee).isEqualTo("exactly-once");
    assertThat(c.inference.maxDelayMs).isEqualTo(200);
  }

  @Test
  void shouldReadAUserFileOverTheDefaults(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("job.yaml");
    Files.writeString(f, """
        kafka:
          bootstrap-servers: broker-1:9093
          properties:
            security.protocol: SASL_SSL
        featurizer:
          policies: [sliding:4s/2s@20ms]
        """);
    JobConfig c = JobConfig.load(f);
    assertThat(c.kafka.bootstrapServers).isEqualTo("broker-1:9093");
    assertThat(c.kafka.properties).containsEntry("security.protocol", "SASL_SSL");
    assertThat(c.featurizer.policies).containsExactly("sliding:4s/2s@20ms");
    assertThat(c.topics.events).isEqualTo(Topics.EVENTS_NAME);
  }

  @Test
  void shouldNameAnUnknownOption(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("job.yaml");
    Files.writeString(f, "inference:\n  max-dealy-ms: 100\n");
    assertThatThrownBy(() -> JobConfig.load(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max-dealy-ms");
  }

  @Test
  void shouldRejectATransactionTimeoutTheBrokerWouldRefuse(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("job.yaml");
    Files.writeString(f, "sink:\n  transaction-timeout-ms: 3600000\n");
    assertThatThrownBy(() -> JobConfig.load(f)).hasMessageContaining("900000");
  }

  @Test
  void shouldReadTheDeploymentConfig() {
    JobConfig c = JobConfig.load(Path.of("..", "docker", "job.yaml"));
    assertThat(c.kafka.bootstrapServers).isEqualTo("kafka:9092");
  }

  @Test
  void shouldKeepCheckpointsInADirectoryByDefaultNeverInJobManagerMemory(@TempDir Path dir)
      throws Exception {
    JobConfig c = JobConfig.defaults();
    assertThat(c.checkpointStorageUri()).startsWith("file:/")
        .contains("elasticast-state/checkpoints");
    assertThat(Path.of(java.net.URI.create(c.checkpointStorageUri())))
        .isEqualTo(Path.of("elasticast-state/checkpoints").toAbsolutePath());
    c.checkpoints.storage = "s3://bucket/ckpt";
    assertThat(c.checkpointStorageUri()).isEqualTo("s3://bucket/ckpt");
    Path f = dir.resolve("job.yaml");
    Files.writeString(f, "checkpoints:\n  storage: \"\"\n");
    assertThatThrownBy(() -> JobConfig.load(f)).hasMessageContaining("checkpoints.storage");
  }

  @Test
  void shouldBoundDeadLetterValuesToWhatTheBrokerTakes(@TempDir Path dir) throws Exception {
    assertThat(JobConfig.defaults().deadLetters.maxValueBytes)
        .isEqualTo(io.elasticast.schemas.DeadLetters.DEFAULT_MAX_VALUE_BYTES);
    Path f = dir.resolve("job.yaml");
    Files.writeString(f, "dead-letters:\n  max-value-bytes: 2000000\n");
    assertThatThrownBy(() -> JobConfig.load(f)).hasMessageContaining("dead-letters.max-value-bytes");
  }
}
