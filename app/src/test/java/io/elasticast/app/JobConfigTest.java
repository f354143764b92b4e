package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.elasticast.inference.incidents.IncidentRules;
import io.elasticast.inference.incidents.IncidentSettings;
import io.elasticast.inference.incidents.IncidentThresholds;
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
    assertThat(c.topics.incidents).isEqualTo(Topics.INCIDENTS_NAME);
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

  @Test
  void shouldDefaultIncidentsToTheDocumentedRules() {
    JobConfig c = JobConfig.defaults().validate();
    assertThat(c.incidents.rules()).isEqualTo(IncidentRules.defaults());
    assertThat(c.incidents.thresholds().of("any-feed", "siren"))
        .isEqualTo(new IncidentThresholds.Resolved(0.6f, 0.4f));
    // the shipped defaults file and the one Java definition (also the events' detection default)
    assertThat(c.incidents.thresholds().of("any-feed", "siren")).isEqualTo(
        new IncidentThresholds.Resolved(IncidentThresholds.DEFAULT_ON, IncidentThresholds.DEFAULT_OFF));
    assertThat(c.alerts.labels).containsExactly("siren", "alarm");
    IncidentSettings s = ElasticAstJob.incidentSettings(c);
    assertThat(s.drivingPolicy("any-feed")).as("the first sliding policy").isEqualTo("sliding-1s/0.5s@10ms");
    assertThat(s.alertLabels()).containsExactlyInAnyOrder("siren", "alarm");
  }

  @Test
  void shouldReadTheIncidentsLevelGateAndRefuseALevelAboveFullScale(@TempDir Path dir) throws Exception {
    Path off = dir.resolve("off.yaml");
    Files.writeString(off, "incidents:\n  min-level-dbfs: -120\n");
    assertThat(JobConfig.load(off).incidents.rules().minLevelDbfs()).isEqualTo(-120f);
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "incidents:\n  min-level-dbfs: 3\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> JobConfig.load(bad))
        .hasMessageContaining("min level must be <= 0 dBFS");
  }

  @Test
  void shouldReadPerLabelAndPerFeedIncidentThresholds(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("job.yaml");
    Files.writeString(f, """
        featurizer:
          per-feed:
            feed-4s: [segment:0.5s-10s@10ms, sliding:4s/2s@20ms]
            segments-only: [segment:0.5s-10s@10ms]
        incidents:
          onset: {k: 3, n: 5}
          hold-ms: 3000
          min-duration-ms: 0
          labels:
            siren: {on: 0.7, off: 0.5}
            alarm: {off: 0.3}
          per-feed:
            feed-7: {siren: {on: 0.8}}
        """);
    JobConfig c = JobConfig.load(f);
    assertThat(c.incidents.rules()).isEqualTo(new IncidentRules(3, 5, 3000, 0, 0.1f, IncidentRules.DEFAULT_MIN_LEVEL_DBFS));
    IncidentThresholds t = c.incidents.thresholds();
    assertThat(t.of("feed-1", "siren")).isEqualTo(new IncidentThresholds.Resolved(0.7f, 0.5f));
    assertThat(t.of("feed-7", "siren")).isEqualTo(new IncidentThresholds.Resolved(0.8f, 0.5f));
    assertThat(t.of("feed-7", "alarm")).isEqualTo(new IncidentThresholds.Resolved(0.6f, 0.3f));
    assertThat(t.of("feed-7", "speech")).isEqualTo(new IncidentThresholds.Resolved(0.6f, 0.4f));
    IncidentSettings s = ElasticAstJob.incidentSettings(c);
    assertThat(s.drivingPolicy("feed-4s")).isEqualTo("sliding-4s/2s@20ms");
    assertThat(s.drivingPolicy("segments-only")).as("no sliding policy, no incidents").isNull();
    assertThat(s.drivingPolicy("feed-1")).isEqualTo("sliding-1s/0.5s@10ms");
  }

  @Test
  void shouldRefuseIncidentThresholdsThatCannotWork(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("job.yaml");
    Files.writeString(f, "incidents:\n  per-feed:\n    feed-7: {siren: {off: 0.9}}\n");
    assertThatThrownBy(() -> JobConfig.load(f)).hasMessageContaining("incidents")
        .hasMessageContaining("feed-7").hasMessageContaining("off 0.9");
    Files.writeString(f, "incidents:\n  onset: {k: 4, n: 3}\n");
    assertThatThrownBy(() -> JobConfig.load(f)).hasMessageContaining("k <= n");
    Files.writeString(f, "incidents:\n  labels: {siren: {of: 0.3}}\n");
    assertThatThrownBy(() -> JobConfig.load(f)).hasMessageContaining("'of'");
  }

  @Test
  void shouldSayWhereTheAlertThresholdWent(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("job.yaml");
    Files.writeString(f, "alerts:\n  threshold: 0.5\n");
    assertThatThrownBy(() -> JobConfig.load(f)).hasMessageContaining("alerts.threshold")
        .hasMessageContaining("incidents.on-threshold");
  }

  @Test
  void shouldNameTheDeploymentInTheTransactionalIdPrefixWhereFlinksConfigurationDoes() {
    JobConfig c = JobConfig.defaults();
    org.apache.flink.configuration.Configuration flink = new org.apache.flink.configuration.Configuration();
    assertThat(ElasticAstJob.transactionalIdPrefix(c, flink)).isEqualTo("elasticast-job");
    flink.setString("high-availability.cluster-id", "/compose-elasticast/");
    assertThat(ElasticAstJob.transactionalIdPrefix(c, flink)).isEqualTo("elasticast-job-compose-elasticast");
    flink.setString("kubernetes.namespace", "monitoring");
    flink.setString("kubernetes.cluster-id", "elasticast-job");
    assertThat(ElasticAstJob.transactionalIdPrefix(c, flink))
        .isEqualTo("elasticast-job-monitoring-elasticast-job");
    org.apache.flink.configuration.Configuration other = new org.apache.flink.configuration.Configuration();
    other.setString("kubernetes.namespace", "staging");
    other.setString("kubernetes.cluster-id", "elasticast-job");
    assertThat(ElasticAstJob.transactionalIdPrefix(c, other))
        .isNotEqualTo(ElasticAstJob.transactionalIdPrefix(c, flink));
  }

  @Test
  void shouldTakeParallelismAndCheckpointsFromFlinksConfigurationWhereItSetsThem() {
    JobConfig c = JobConfig.defaults();
    c.kafka.bootstrapServers = "localhost:1";
    c.sink.deliveryGuarantee = "at-least-once"; // no topic check against the absent broker
    // not the core count, which a local environment would set as parallelism.default by itself
    c.parallelism = Runtime.getRuntime().availableProcessors() + 1;
    ElasticAstJob job = ElasticAstJob.onKafka(c);
    var local = org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
        .getExecutionEnvironment(job.forLocalRun(new org.apache.flink.configuration.Configuration()));
    job.build(local);
    assertThat(local.getParallelism()).isEqualTo(c.parallelism);
    assertThat(local.getCheckpointInterval()).isEqualTo(c.checkpoints.intervalMs);
    assertThat(local.getConfiguration().get(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY))
        .isEqualTo(c.checkpointStorageUri());

    org.apache.flink.configuration.Configuration cluster = new org.apache.flink.configuration.Configuration();
    cluster.setString("parallelism.default", "5");
    cluster.setString("execution.checkpointing.interval", "42 s");
    cluster.setString("execution.checkpointing.dir", "file:///mnt/flink/checkpoints");
    var remote = org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
        .getExecutionEnvironment(cluster);
    ElasticAstJob.onKafka(c, remote.getConfiguration()).build(remote);
    assertThat(remote.getParallelism()).isEqualTo(5);
    assertThat(remote.getCheckpointInterval()).isEqualTo(42_000);
    assertThat(remote.getConfiguration().get(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY))
        .isEqualTo("file:///mnt/flink/checkpoints");
  }
}
