package io.elasticast.app;

import io.elasticast.ingest.IngestRunner;
import io.elasticast.ingest.KafkaChunkSink;
import io.elasticast.ingest.Ticker;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import io.elasticast.schemas.LabelScore;
import io.elasticast.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elasticast demo}: the whole pipeline on embedded defaults, no Docker: broker, normaliser,
 * job, and the bundled feeds at real-time pace; prints events and alerts (incidents of the watched
 * labels opening and closing) as they arrive, then a summary, and shuts everything down.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the whole pipeline on bundled audio feeds and print classifications live.")
public final class DemoCommand implements Callable<Integer> {

  /** The bundled clips, one per class, in the jar under demo-audio/. */
  static final List<String> DEMO_CLIPS = List.of("speech", "siren", "alarm", "piano", "strings",
      "brass", "woodwind", "drums", "engine", "noise");
  static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
      .withZone(ZoneId.systemDefault());

  @Spec CommandSpec spec;

  @Option(names = "--duration", description = "Seconds to run before the summary (default: ${DEFAULT-VALUE}).")
  int durationSeconds = 60;

  @Option(names = "--feeds", description = "Concurrent live feeds, cycling over the bundled clips (default: ${DEFAULT-VALUE}).")
  int feeds = 10;

  @Option(names = "--config", description = "Job YAML read over the documented defaults (Kafka settings are the demo's own).")
  Path config;

  @Option(names = "--quiet-events", description = "Print alerts (incidents opening and closing) and the summary only.")
  boolean quietEvents;

  /** Counted down by Ctrl-C (shutdown hook) or by a test. */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    JobConfig jobConfig;
    try {
      jobConfig = JobConfig.load(config);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    // Exactly-once output becomes visible on each checkpoint: keep them frequent for a live demo.
    jobConfig.checkpoints.intervalMs = Math.min(jobConfig.checkpoints.intervalMs, 1000);
    try (StopOnSignal signals = new StopOnSignal("demo", stop, Duration.ofSeconds(60))) {
      return run(out, jobConfig);
    }
  }

  private int run(PrintWriter out, JobConfig jobConfig) throws Exception {
    out.println("ElasticAST Stream demo: starting an embedded Kafka broker, the normaliser and the Flink job ...");
    out.flush();
    long t0 = System.nanoTime();
    try (LocalPipeline pipeline = LocalPipeline.startBroker()) {
      pipeline.startNormaliser(LocalPipeline.quiet());
      JobConfig c = pipeline.jobConfig(jobConfig);
      pipeline.startJob(ElasticAstJob.onKafka(c), new Configuration());
      Path audio = extractDemoAudio(pipeline.workDir().resolve("demo-audio"));
      out.printf("broker %s, Flink web UI http://localhost:%d, model %s, ready in %.1f s%n",
          pipeline.bootstrapServers(), pipeline.webUiPort(), c.modelDir(),
          (System.nanoTime() - t0) / 1e9);
      out.printf("feeding %d live feeds from %s for %d s (Ctrl-C stops early)%n%n", feeds,
          String.join(", ", DEMO_CLIPS), durationSeconds);
      out.println(EventTable.header());
      out.flush();

      KafkaChunkSink chunkSink = new KafkaChunkSink(pipeline.bootstrapServers(), pipeline.topics().audioRaw);
      IngestRunner ingest = new IngestRunner(
          new IngestRunner.Options(List.of(audio.toString()), feeds, true, true,
              IngestRunner.DEFAULT_CHUNK_MILLIS, null, null),
          chunkSink, Ticker.system(), Clock.systemUTC(), LocalPipeline.quiet(), false);
      Thread ingestThread = new Thread(ingest::run, "demo-ingest");
      ingestThread.setDaemon(true);
      ingestThread.start();

      EventTable table = new EventTable();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
      long started = System.nanoTime();
      Topics topics = pipeline.topics();
      try (KafkaConsumer<String, byte[]> consumer = consumer(pipeline)) {
        // one consumer for both topics, so events and alerts print in the order they arrive
        consumer.subscribe(List.of(c.topics.events, c.topics.alerts));
        while (System.nanoTime() < deadline && stop.getCount() > 0) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            long nowMicros = System.currentTimeMillis() * 1000;
            if (r.topic().equals(c.topics.alerts)) {
              out.println(table.addAlert(
                  topics.alerts.valueSerde().deserializer().deserialize(r.topic(), r.value()), nowMicros));
            } else {
              String line = table.add(
                  topics.events.valueSerde().deserializer().deserialize(r.topic(), r.value()), nowMicros);
              if (!quietEvents) {
                out.println(line);
              }
            }
          }
          out.flush();
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      ingest.requestStop();
      out.println();
      out.println(table.summary(seconds));
      out.println("shutting down: job, normaliser, broker ...");
      out.flush();
      ingest.stop();
      chunkSink.close();
    }
    out.println("done: no processes or temp dirs left behind.");
    out.flush();
    return 0;
  }

  /** Values stay bytes: the events and alerts topics carry different records. */
  private static KafkaConsumer<String, byte[]> consumer(LocalPipeline pipeline) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "demo-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** Copies the bundled clips out of the jar, so ingest reads them like any user's files. */
  static Path extractDemoAudio(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (String clip : DEMO_CLIPS) {
      try (InputStream in = DemoCommand.class.getResourceAsStream("/demo-audio/" + clip + ".wav")) {
        if (in == null) {
          throw new IllegalStateException("demo clip demo-audio/" + clip + ".wav is missing from the jar");
        }
        Files.copy(in, dir.resolve(clip + ".wav"), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return dir;
  }

  /** Formats events as table rows and keeps the numbers for the summary. */
  static final class EventTable {
    private final List<Long> latenciesMicros = new ArrayList<>();
    private double utilisationSum;
    private long events;
    private long alertsOpened;
    private long alertsClosed;

    static String header() {
      return String.format("%-12s %-18s %-15s %-6s %-10s %6s %9s", "time", "feed", "window", "shift",
          "label", "score", "latency");
    }

    String add(ClassificationEvent e, long nowMicros) {
      LabelScore top = e.getTopK().isEmpty() ? new LabelScore("?", 0f) : e.getTopK().get(0);
      long latency = nowMicros - e.getWindowEndMicros();
      events++;
      latenciesMicros.add(latency);
      utilisationSum += e.getPackStats().getUtilisation();
      double length = (e.getWindowEndMicros() - e.getWindowStartMicros()) / 1e6;
      return String.format("%-12s %-18s %-15s %-6s %-10s %6.2f %7d ms",
          CLOCK.format(Instant.ofEpochMilli(nowMicros / 1000)), e.getStreamId(),
          String.format("%.2f s", length), e.getFrameShiftMs() + "ms", top.getLabel(), top.getScore(),
          latency / 1000);
    }

    /** An alert opens or closes: one line each, never one per window. */
    String addAlert(Incident i, long nowMicros) {
      String detail;
      if (i.getState() == IncidentState.CLOSED && i.getEndMicros() != null) {
        alertsClosed++;
        detail = String.format("after %.1f s, peak %.2f, mean %.2f over %d windows",
            (i.getEndMicros() - i.getStartMicros()) / 1e6, i.getPeakScore(), i.getMeanScore(),
            i.getWindowCount());
      } else {
        alertsOpened++;
        detail = String.format("since %s, peak %.2f",
            CLOCK.format(Instant.ofEpochMilli(i.getStartMicros() / 1000)), i.getPeakScore());
      }
      return String.format("%-12s %-18s ALERT %s %s %s",
          CLOCK.format(Instant.ofEpochMilli(nowMicros / 1000)), i.getStreamId(),
          i.getLabel().toUpperCase(), i.getState(), detail);
    }

    String summary(double seconds) {
      List<Long> sorted = new ArrayList<>(latenciesMicros);
      sorted.sort(null);
      return String.format("summary: %d events (%.1f windows/s), %d alerts opened and %d closed,"
          + " end-to-end latency p50 %d ms p99 %d ms, pack utilisation %.2f, over %.0f s", events,
          events / seconds, alertsOpened, alertsClosed,
          percentile(sorted, 0.50) / 1000, percentile(sorted, 0.99) / 1000,
          events == 0 ? 0.0 : utilisationSum / events, seconds);
    }

    long events() {
      return events;
    }

    static long percentile(List<Long> sorted, double q) {
      if (sorted.isEmpty()) {
        return 0;
      }
      int i = (int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1);
      return sorted.get(Math.max(0, i));
    }
  }
}
