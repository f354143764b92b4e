package io.elasticast.app;

import io.elasticast.ingest.MetricsEndpoint;
import io.elasticast.ingest.NormaliserConfig;
import io.elasticast.ingest.NormaliserService;
import io.elasticast.schemas.Topics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code elasticast normalize}: the Kafka Streams normaliser, until Ctrl-C. */
@Command(
    name = "normalize",
    aliases = "normalise",
    mixinStandardHelpOptions = true,
    description = "Validate raw audio chunks, convert them to mono 16 kHz float, dead-letter bad ones.")
public final class NormalizeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--bootstrap-servers", description = "Kafka brokers (default: from --config, else localhost:9092).")
  String bootstrapServers;

  @Option(names = "--config", description = "Job YAML whose kafka.bootstrap-servers is the default and whose kafka.properties (TLS, SASL) every client uses.")
  Path config;

  @Option(names = "--application-id", description = "Kafka Streams application id (default: ${DEFAULT-VALUE}).")
  String applicationId = NormaliserConfig.DEFAULT_APPLICATION_ID;

  @Option(names = "--threads", description = "Stream threads (default: ${DEFAULT-VALUE}).")
  int threads = 1;

  @Option(names = "--state-dir", description = "Kafka Streams state directory (default: a folder under java.io.tmpdir).")
  Path stateDir = Path.of(System.getProperty("java.io.tmpdir"), "elasticast-normaliser-state");

  @Option(names = "--max-event-time-ahead-ms",
      description = "Chunks whose event time is further ahead of the clock are dead-lettered (default: ${DEFAULT-VALUE}).")
  long maxEventTimeAheadMs = io.elasticast.schemas.EventTimeBounds.DEFAULT_MAX_AHEAD.toMillis();

  @Option(names = "--dead-letter-max-value-bytes",
      description = "Bytes of a refused value kept in its dead letter; larger ones are truncated (default: ${DEFAULT-VALUE}).")
  int deadLetterMaxValueBytes = io.elasticast.schemas.DeadLetters.DEFAULT_MAX_VALUE_BYTES;

  /** The normaliser's default metrics port (Flink's reporter has 9249, ingest 9251). */
  static final int DEFAULT_METRICS_PORT = 9250;

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Serve Prometheus metrics on http://localhost:PORT/metrics (default: ${DEFAULT-VALUE}; 0 picks a free port, -1 serves none).")
  int metricsPort = DEFAULT_METRICS_PORT;

  @Parameters(arity = "0..*", paramLabel = "TOPIC",
      description = "Raw, normalised and dead-letter topic names (default: "
          + Topics.AUDIO_RAW_NAME + " " + Topics.AUDIO_NORMALISED_NAME + " " + Topics.DEAD_LETTERS_NAME + ").")
  List<String> topicNames = List.of();

  /** Counted down by Ctrl-C (the shutdown hook) or by a test. */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws InterruptedException {
    if (topicNames.size() > 3) {
      spec.commandLine().getErr().println("error: at most three topics (raw, normalised, dead letters), got "
          + topicNames.size());
      return 2;
    }
    String servers = IngestCommand.bootstrapServers(bootstrapServers, config, spec);
    if (servers == null) {
      return 2;
    }
    io.elasticast.ingest.NormaliserSettings settings;
    try {
      settings = io.elasticast.ingest.NormaliserSettings.defaults()
          .withMaxEventTimeAhead(Duration.ofMillis(maxEventTimeAheadMs))
          .withMaxDeadLetterValueBytes(deadLetterMaxValueBytes);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    Topics topics = Topics.singleObject();
    Properties props = NormaliserConfig.properties(servers, applicationId, stateDir, threads);
    // client settings (TLS, SASL) reach every client Kafka Streams makes
    props.putAll(IngestCommand.clientProperties(config));
    PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true);
    MetricsEndpoint metrics = null;
    if (metricsPort != -1) {
      try {
        metrics = MetricsEndpoint.start(metricsPort);
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("error: " + e.getMessage());
        return 2;
      }
      out.println("normaliser: metrics on " + metrics.url());
    }
    try (StopOnSignal signals = new StopOnSignal("normalize", stop, Duration.ofSeconds(60))) {
      return NormaliserService.run(props,
          topics.audioRaw.withName(name(0, Topics.AUDIO_RAW_NAME)),
          topics.audioNormalised.withName(name(1, Topics.AUDIO_NORMALISED_NAME)),
          topics.deadLetters.withName(name(2, Topics.DEAD_LETTERS_NAME)), settings, out, stop,
          metrics == null ? null : metrics.registry());
    } finally {
      if (metrics != null) {
        metrics.close();
      }
    }
  }

  private String name(int index, String fallback) {
    return topicNames.size() > index ? topicNames.get(index) : fallback;
  }

  /** {@code elasticast bench normalizer}: the normaliser's throughput in chunks/s and live feeds. */
  @Command(
      name = "normalizer",
      aliases = "normaliser",
      mixinStandardHelpOptions = true,
      description = "Normaliser throughput: per-record work by input format, and end to end on a real broker.")
  public static final class Bench implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--chunks", description = "Chunks per measured pass (default: ${DEFAULT-VALUE}).")
    int chunks = 5_000;

    @Option(names = "--repeats", description = "Measured 1-s JMH iterations per input format (default: ${DEFAULT-VALUE}).")
    int repeats = 5;

    @Option(names = "--broker", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "Also run end to end on an embedded broker (default: ${DEFAULT-VALUE}).")
    boolean broker = true;

    @Option(names = "--broker-chunks", description = "Chunks per input format for the end-to-end run (default: ${DEFAULT-VALUE}).")
    int brokerChunks = 60_000;

    @Option(names = "--broker-feeds", description = "Feeds the end-to-end chunks are spread over (default: ${DEFAULT-VALUE}).")
    int brokerFeeds = 500;

    @Option(names = "--threads", description = "Stream threads for the end-to-end run (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--partitions", description = "Partitions of the end-to-end run's topics (default: ${DEFAULT-VALUE}).")
    int partitions = 4;

    @Override
    public Integer call() throws Exception {
      PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true);
      io.elasticast.bench.NormaliserBenchmark.perRecord(out, chunks, repeats);
      if (broker) {
        io.elasticast.bench.NormaliserBenchmark.endToEndHeader(out, brokerChunks, brokerFeeds, threads,
            partitions);
        // the format ingest writes from a 16 kHz mono source, and a 44.1 kHz stereo one to resample
        for (int format : new int[] {0, 2}) {
          io.elasticast.bench.NormaliserBenchmark.endToEnd(out, brokerChunks, brokerFeeds, threads,
              partitions, format);
        }
      }
      return 0;
    }
  }

  /** Lets the service print through picocli's writer, which tests capture. */
  static final class WriterOutputStream extends java.io.OutputStream {
    private final java.io.PrintWriter writer;

    WriterOutputStream(java.io.PrintWriter writer) {
      this.writer = writer;
    }

    @Override
    public void write(int b) {
      writer.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      writer.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public void flush() {
      writer.flush();
    }
  }
}
