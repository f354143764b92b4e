package io.elasticast.app;

import io.elasticast.app.dashboard.Dashboard;
import io.elasticast.app.live.FeedBoard;
import io.elasticast.app.live.LiveWatch;
import io.elasticast.app.live.WatchTerminal;
import io.elasticast.app.live.WatchView;
import io.elasticast.ingest.IngestRunner;
import io.elasticast.ingest.KafkaChunkSink;
import io.elasticast.ingest.Ticker;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.IncidentState;
import io.elasticast.schemas.LabelScore;
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
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elasticast demo}: the whole pipeline on embedded defaults, no Docker: broker, normaliser,
 * job (in this JVM, or with {@code --cluster} on a session cluster of separate processes), and the
 * bundled feeds at real-time pace; shows the same view as {@code watch} (a line per
 * incident opening or closing, a per-feed status table; {@code --events}: a line per window), then
 * a summary, and shuts everything down.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the whole pipeline on bundled audio feeds and print classifications live.")
public final class DemoCommand implements Callable<Integer> {

  /**
   * The bundled clips in the jar under demo-audio/: a real recording per label (sources in
   * demo-audio/NOTICE, made by model/demo_clips.py) and a siren under speech, which carries both.
   */
  static final Map<String, Set<String>> DEMO_CLIP_LABELS = demoClipLabels();
  static final List<String> DEMO_CLIPS = List.copyOf(DEMO_CLIP_LABELS.keySet());

  private static Map<String, Set<String>> demoClipLabels() {
    Map<String, Set<String>> clips = new LinkedHashMap<>();
    for (String label : List.of("speech", "music", "siren", "alarm", "animal", "vehicle", "impact",
        "water", "human", "noise")) {
      clips.put(label, Set.of(label));
    }
    clips.put("speech-with-siren", Set.of("speech", "siren"));
    return Collections.unmodifiableMap(clips);
  }

  /** The labels of the clip a stream plays: stream ids are clip names, possibly with a suffix. */
  static Set<String> clipLabels(String streamId) {
    return DEMO_CLIPS.stream().filter(streamId::startsWith)
        .max(Comparator.comparingInt(String::length))
        .map(DEMO_CLIP_LABELS::get).orElse(Set.of());
  }
  /** Where the cluster's processes look for free ports for their metrics ({@code --cluster}). */
  static final String CLUSTER_METRICS_PORTS = "9249-9259";

  /**
   * Silence between a clip's loops: longer than the incidents' hold time (2 s) plus a window, so
   * each play of a clip is one incident that opens and closes, as a passing siren would be.
   */
  static final int LOOP_PAUSE_MILLIS = 4000;
  static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
      .withZone(ZoneId.systemDefault());

  @Spec CommandSpec spec;

  @Option(names = "--duration", description = "Seconds to run before the summary (default: ${DEFAULT-VALUE}).")
  int durationSeconds = 60;

  @Option(names = "--feeds", description = "Concurrent live feeds, cycling over the bundled clips (default: ${DEFAULT-VALUE}).")
  int feeds = 10;

  @Option(names = "--config", description = "Job YAML read over the documented defaults (Kafka settings are the demo's own).")
  Path config;

  @Option(names = "--events", description = "Print every window's labels as it is scored, instead of the incident view.")
  boolean events;

  @Option(names = "--dashboard-port", description = "Live dashboard in the browser at http://localhost:PORT/; 0 = off (default: ${DEFAULT-VALUE}).")
  int dashboardPort = Dashboard.DEFAULT_PORT;

  @Option(names = "--plain", description = "No in-place redraw of the status table (automatic when not on a terminal).")
  boolean plain;

  @Option(names = "--cluster", description = "Run the job on a Flink session cluster of separate processes"
      + " (a JobManager and 2 TaskManagers, as the cluster command starts them) instead of in this JVM.")
  boolean onCluster;

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
      if (onCluster) {
        out.println("starting a Flink session cluster: a JobManager and 2 TaskManagers, each its own process ...");
        out.flush();
        pipeline.startJobOnCluster(ElasticAstJob.onKafka(c), FlinkCluster.Options.defaults()
            .metricsPorts(FlinkPrometheus.Ports.parse(CLUSTER_METRICS_PORTS)));
      } else {
        pipeline.startJob(ElasticAstJob.onKafka(c), new Configuration());
      }
      Path audio = extractDemoAudio(pipeline.workDir().resolve("demo-audio"));
      out.printf("broker %s, Flink web UI http://localhost:%d, model %s, ready in %.1f s%n",
          pipeline.bootstrapServers(), pipeline.webUiPort(), c.modelDir(),
          (System.nanoTime() - t0) / 1e9);
      out.printf("feeding %d live feeds from %s for %d s (Ctrl-C stops early)%n%n", feeds,
          String.join(", ", DEMO_CLIPS), durationSeconds);
      KafkaChunkSink chunkSink = new KafkaChunkSink(pipeline.bootstrapServers(), pipeline.topics().audioRaw);
      IngestRunner ingest = new IngestRunner(
          new IngestRunner.Options(List.of(audio.toString()), feeds, true, true,
              IngestRunner.DEFAULT_CHUNK_MILLIS, null, null, LOOP_PAUSE_MILLIS),
          chunkSink, Ticker.system(), Clock.systemUTC(), LocalPipeline.quiet(), false);
      pipeline.serveIngestMetrics(ingest, chunkSink);
      out.println("Prometheus metrics: " + String.join(", ", pipeline.metricsUrls().entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue()).toList()));
      Thread ingestThread = new Thread(ingest::run, "demo-ingest");
      ingestThread.setDaemon(true);
      ingestThread.start();

      Set<String> alertLabels = new HashSet<>(c.alerts.labels);
      FeedBoard board = new FeedBoard();
      WatchView view = new WatchView(null, null, alertLabels);
      boolean ansi = !events && !plain && WatchTerminal.onTerminal();
      // --events: every window is a line, the table only at the end; without a terminal the
      // table is printed every 10 s
      WatchTerminal terminal = new WatchTerminal(out, ansi,
          events ? Long.MAX_VALUE / 4 : TimeUnit.SECONDS.toMillis(10),
          ansi ? WatchTerminal.columns() : Integer.MAX_VALUE);
      EventTable table = new EventTable();
      if (events) {
        terminal.incident(EventTable.header());
      }
      long[] alertsOpened = new long[1];
      long started = System.nanoTime();
      try (Dashboard dashboard = Dashboard.startIfEnabled(board, dashboardPort, out);
          LiveWatch watch = new LiveWatch(WatchCommand.source(c, pipeline.bootstrapServers(), true),
          board, view, terminal,
          i -> {
            if (i.getState() == IncidentState.OPEN && alertLabels.contains(i.getLabel().toString())) {
              alertsOpened[0]++;
            }
          },
          e -> {
            if (events) {
              terminal.incident(table.add(e, System.currentTimeMillis() * 1000));
            }
          })) {
        watch.run(stop, started + TimeUnit.SECONDS.toNanos(durationSeconds), 1000);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      ingest.requestStop();
      out.println();
      out.println(summary(board.snapshot(System.currentTimeMillis() * 1000).figures(),
          alertsOpened[0], seconds));
      out.println("shutting down: job, normaliser, broker ...");
      out.flush();
      ingest.stop();
      chunkSink.close();
    }
    out.println("done: no processes or temp dirs left behind.");
    out.flush();
    return 0;
  }

  /**
   * The last lines of a demo: volume, incidents, latency (a window's last sample to its event
   * read here, so with exactly-once it includes the wait for the next checkpoint), alert latency
   * (the window that confirmed an onset to its OPEN record read here) and pack utilisation.
   */
  static String summary(FeedBoard.Figures f, long alertsOpened, double seconds) {
    return String.format("summary: %d events (%.1f windows/s), %d incidents opened and %d closed"
        + " (%d alerts), end-to-end latency p50 %d ms p99 %d ms, alert latency p50 %d ms p99 %d ms,"
        + " pack utilisation %.2f, dead letters %d, over %.0f s", f.events(), f.events() / seconds,
        f.incidentsOpened(), f.incidentsClosed(), alertsOpened, f.latencyP50Ms(), f.latencyP99Ms(),
        f.alertLatencyP50Ms(), f.alertLatencyP99Ms(), f.packUtilisation(), f.deadLetters(), seconds);
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

  /** Formats events as table rows ({@code --events}). */
  static final class EventTable {

    static String header() {
      return String.format("%-12s %-18s %-15s %-6s %-10s %6s %8s %9s  %s", "time", "feed", "window",
          "shift", "label", "score", "dBFS", "latency", "detected");
    }

    String add(ClassificationEvent e, long nowMicros) {
      LabelScore top = e.getTopK().isEmpty() ? new LabelScore("?", 0f) : e.getTopK().get(0);
      long latency = nowMicros - e.getWindowEndMicros();
      double length = (e.getWindowEndMicros() - e.getWindowStartMicros()) / 1e6;
      StringBuilder detected = new StringBuilder();
      for (LabelScore d : e.getDetected()) {
        detected.append(detected.length() == 0 ? "" : ",").append(d.getLabel());
      }
      return String.format("%-12s %-18s %-15s %-6s %-10s %6.2f %8s %7d ms  %s",
          CLOCK.format(Instant.ofEpochMilli(nowMicros / 1000)), e.getStreamId(),
          String.format("%.2f s", length), e.getFrameShiftMs() + "ms", top.getLabel(), top.getScore(),
          e.getLevelDbfs() == null ? "-" : String.format("%.1f", e.getLevelDbfs()), latency / 1000,
          detected.length() == 0 ? "-" : detected);
    }
  }
}
