package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.ingest.IngestRunner;
import io.elasticast.ingest.KafkaChunkSink;
import io.elasticast.ingest.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline (embedded broker, normaliser, job, two live feeds) scraped while it runs:
 * every metric {@code docs/metrics.md} lists is served by the process it names, the per-feed level
 * of a playing feed is a real level, and a bad record on each input shows as a dead letter. The
 * scrapes are left in {@code target/metrics-scrape/} for whoever updates the doc.
 */
class MetricsScrapeIT {

  static final Duration DEADLINE = Duration.ofSeconds(75);
  static final String LEVEL = "flink_taskmanager_job_task_operator_feed_levelDbfs";

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void shouldServeEveryDocumentedMetricWhileThePipelineRuns(@TempDir Path tmp) throws Exception {
    List<MetricsDoc.Row> documented = MetricsDoc.rows();
    assertThat(documented).extracting(MetricsDoc.Row::process).as("processes in " + MetricsDoc.FILE)
        .contains(LocalPipeline.JOB, LocalPipeline.NORMALISER, LocalPipeline.INGEST);

    try (LocalPipeline pipeline = LocalPipeline.startBroker()) {
      pipeline.startNormaliser(LocalPipeline.quiet());
      JobConfig c = pipeline.jobConfig(JobConfig.defaults());
      c.checkpoints.intervalMs = 1000;
      c.inference.modelDir = Path.of("..", "model", "artifacts").toAbsolutePath().toString();
      c.validate();
      pipeline.startJob(ElasticAstJob.onKafka(c), new Configuration());

      Path clips = DemoCommand.extractDemoAudio(tmp.resolve("clips"));
      KafkaChunkSink sink = new KafkaChunkSink(pipeline.bootstrapServers(), pipeline.topics().audioRaw);
      IngestRunner ingest = new IngestRunner(new IngestRunner.Options(
          List.of(clips.resolve("siren.wav").toString(), clips.resolve("speech.wav").toString()),
          0, true, true, IngestRunner.DEFAULT_CHUNK_MILLIS, null, null),
          sink, Ticker.system(), Clock.systemUTC(), LocalPipeline.quiet(), false);
      pipeline.serveIngestMetrics(ingest, sink);
      Thread feeding = new Thread(ingest::run, "metrics-it-ingest");
      feeding.setDaemon(true);
      feeding.start();
      // one undecodable record on each input topic: one dead letter from each of normaliser and job
      produceGarbage(pipeline.bootstrapServers(), pipeline.topics().audioRaw.name());
      produceGarbage(pipeline.bootstrapServers(), pipeline.topics().audioNormalised.name());

      Map<String, String> urls = pipeline.metricsUrls();
      assertThat(urls).containsOnlyKeys(LocalPipeline.JOB, LocalPipeline.NORMALISER, LocalPipeline.INGEST);
      Map<String, String> scrapes = new LinkedHashMap<>();
      List<String> missing = List.of();
      long deadline = System.nanoTime() + DEADLINE.toNanos();
      boolean done = false;
      while (!done && System.nanoTime() < deadline) {
        Thread.sleep(2_000);
        urls.forEach((process, url) -> scrapes.put(process, get(url)));
        missing = missing(documented, scrapes);
        done = missing.isEmpty()
            && level(scrapes.get(LocalPipeline.JOB), "siren").isPresent()
            && value(scrapes.get(LocalPipeline.NORMALISER), "elasticast_normaliser_dead_letters_total",
                "reason=\"UNDECODABLE\"").orElse(0) >= 1
            && value(scrapes.get(LocalPipeline.JOB), "flink_taskmanager_job_task_operator_rejectedRecords",
                "").orElse(0) >= 1;
      }
      Path out = Files.createDirectories(Path.of("target", "metrics-scrape"));
      for (var e : scrapes.entrySet()) {
        Files.writeString(out.resolve(e.getKey() + ".prom"), e.getValue());
      }
      assertThat(missing).as("documented in " + MetricsDoc.FILE + " but not served (scrapes in "
          + out.toAbsolutePath() + ")").isEmpty();

      // the level of a playing feed is a real level, and each feed has its own
      OptionalDouble siren = level(scrapes.get(LocalPipeline.JOB), "siren");
      assertThat(siren).as("level of feed siren").isPresent();
      assertThat(siren.getAsDouble()).isBetween(-60.0, 0.0);
      assertThat(level(scrapes.get(LocalPipeline.JOB), "speech")).isPresent();
      assertThat(value(scrapes.get(LocalPipeline.NORMALISER), "elasticast_normaliser_dead_letters_total",
          "reason=\"UNDECODABLE\"")).hasValue(1);
      assertThat(value(scrapes.get(LocalPipeline.JOB), "flink_taskmanager_job_task_operator_rejectedRecords",
          "")).hasValue(1);
      assertThat(value(scrapes.get(LocalPipeline.INGEST), "elasticast_ingest_chunks_sent_total",
          "feed=\"siren\"").orElse(0)).isPositive();
      assertThat(value(scrapes.get(LocalPipeline.JOB), "flink_taskmanager_job_task_operator_windowsEmitted",
          "").orElse(0)).isPositive();

      ingest.stop();
      sink.close();
    }
  }

  /** Documented names (and their documented labels) that their process does not serve. */
  static List<String> missing(List<MetricsDoc.Row> documented, Map<String, String> scrapes) {
    Map<String, Map<String, Set<String>>> served = new LinkedHashMap<>();
    scrapes.forEach((process, text) -> served.put(process, MetricsDoc.sampleLabels(text)));
    List<String> missing = new ArrayList<>();
    for (MetricsDoc.Row row : documented) {
      Set<String> labels = served.getOrDefault(row.process(), Map.of()).get(row.name());
      if (labels == null) {
        missing.add(row.process() + ": " + row.name());
      } else if (!labels.containsAll(row.labels())) {
        missing.add(row.process() + ": " + row.name() + " with labels " + row.labels()
            + " (served: " + new TreeSet<>(labels) + ")");
      }
    }
    return missing;
  }

  /** The level gauge of {@code feed} (Flink writes the stream id as the label value). */
  static OptionalDouble level(String scrape, String feed) {
    OptionalDouble v = value(scrape, LEVEL, "feed=\"" + feed + "\"");
    return v.isPresent() && !Double.isNaN(v.getAsDouble()) ? v : OptionalDouble.empty();
  }

  /** The sum over every sample of {@code name} whose labels contain {@code label} ("" for any). */
  static OptionalDouble value(String scrape, String name, String label) {
    double sum = 0;
    boolean any = false;
    for (String line : scrape.lines().toList()) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        int brace = line.indexOf('{');
        String labels = brace < 0 ? "" : line.substring(brace, line.lastIndexOf('}') + 1);
        if (labels.contains(label)) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          any = true;
        }
      }
    }
    return any ? OptionalDouble.of(sum) : OptionalDouble.empty();
  }

  static String get(String url) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(url).isEqualTo(200);
      return r.body();
    } catch (Exception e) {
      throw new AssertionError("cannot scrape " + url + ": " + e, e);
    }
  }

  static void produceGarbage(String bootstrap, String topic) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
        new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, "garbage", new byte[] {0x13, 0x37, 0x00})).get();
    }
  }

  /** For reading a scrape by hand: its distinct sample names. */
  static Set<String> distinctNames(String scrape) {
    return new TreeSet<>(MetricsDoc.sampleNames(scrape));
  }
}
