package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a broker that takes TLS clients only (key and truststore made in the test):
 * {@code ingest}, {@code normalize} and {@code job}, each its own process, connect through the
 * config's {@code kafka.properties} alone, and a clip's windows come out as events. (That a
 * plaintext client is refused by such a broker is {@code EmbeddedKafkaBrokerTlsIT}.)
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class TlsPipelineIT {

  /** water.wav is 6 s: 11 sliding 1 s windows every 0.5 s. */
  static final int SLIDING = 11;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldRunIngestNormaliserAndJobOverTlsThroughTheConfigsClientProperties(@TempDir Path tmp)
      throws Exception {
    EmbeddedKafkaBroker.Tls tls = EmbeddedKafkaBroker.Tls.generate(tmp.resolve("tls"));
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
        EmbeddedKafkaBroker.Options.defaults().defaultPartitions(2).tls(tls))) {
      broker.createTopics(BrokerCommand.pipelineTopics(2));
      Path config = JobProcessFixtures.jobConfig(tmp, broker.bootstrapServers(), "tls-it");
      // the job YAML's kafka section gets the TLS settings (merged over the defaults)
      Files.writeString(config, Files.readString(config).replace("kafka:\n", "kafka:\n  properties:\n"
          + tlsYaml(broker.clientProperties())));

      Path clip = DemoCommand.extractDemoAudio(tmp.resolve("clips")).resolve("water.wav");
      Path cli = Files.createDirectories(tmp.resolve("cli"));
      try (CliProcess normalize = CliProcess.start(cli, line -> line.startsWith("normaliser: audio.raw"),
              "normalize", "--config", config.toString(), "--state-dir", tmp.resolve("ns").toString());
          CliProcess job = CliProcess.start(cli, line -> line.startsWith("job: audio.normalised"),
              "job", "--config", config.toString())) {
        normalize.awaitLine(Duration.ofSeconds(120));
        job.awaitLine(Duration.ofSeconds(120));
        try (CliProcess ingest = CliProcess.start(cli, line -> false, "ingest", "--config",
            config.toString(), "--no-pace", "--no-progress", "--stream-id", "tls-feed", clip.toString())) {
          assertThat(ingest.awaitExit(Duration.ofSeconds(60))).isTrue();
          assertThat(ingest.process().exitValue()).as(ingest.output()).isZero();
        }
        List<ClassificationEvent> events = readOverTls(broker, SLIDING);
        assertThat(events.stream().filter(e -> e.getFrames() == 96 && e.getFrameShiftMs() == 10))
            .as("sliding windows of the clip, read over TLS\n" + job.output()).hasSize(SLIDING);
        job.terminate();
        normalize.terminate();
        assertThat(job.awaitExit(Duration.ofSeconds(90))).isTrue();
        assertThat(normalize.awaitExit(Duration.ofSeconds(90))).isTrue();
      }
    }
  }

  static String tlsYaml(Map<String, String> properties) {
    StringBuilder sb = new StringBuilder();
    properties.forEach((k, v) -> sb.append("    ").append(k).append(": \"").append(v).append("\"\n"));
    return sb.toString();
  }

  static List<ClassificationEvent> readOverTls(EmbeddedKafkaBroker broker, int expected) {
    Properties p = new Properties();
    p.putAll(broker.clientProperties());
    p.put("bootstrap.servers", broker.bootstrapServers());
    p.put("group.id", "tls-reader-" + UUID.randomUUID());
    p.put("auto.offset.reset", "earliest");
    p.put("isolation.level", "read_committed");
    Topics t = Topics.singleObject();
    List<ClassificationEvent> out = new java.util.ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, t.events.keySerde().deserializer(),
        t.events.valueSerde().deserializer())) {
      consumer.subscribe(List.of(t.events.name()));
      long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      long quietSince = System.nanoTime();
      while (System.nanoTime() < end) {
        var records = consumer.poll(Duration.ofMillis(200));
        records.forEach(r -> out.add(r.value()));
        if (!records.isEmpty()) {
          quietSince = System.nanoTime();
        }
        if (out.size() >= expected && System.nanoTime() - quietSince > Duration.ofSeconds(3).toNanos()) {
          break;
        }
      }
    }
    return out;
  }
}
