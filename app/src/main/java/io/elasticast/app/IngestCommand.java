package io.elasticast.app;

import io.elasticast.ingest.AudioSources;
import io.elasticast.ingest.IngestRunner;
import io.elasticast.ingest.IngestService;
import io.elasticast.ingest.PcmFormat;
import io.elasticast.schemas.SampleEncoding;
import io.elasticast.schemas.Topics;
import java.io.BufferedInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code elasticast ingest}: audio files, directories, URLs or stdin to the raw topic, in real time. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = "Send audio to Kafka as AudioChunks at real-time pace, one feed per source.")
public final class IngestCommand implements Callable<Integer> {

  enum RawFormat {
    s16le(SampleEncoding.PCM_S16LE), f32le(SampleEncoding.FLOAT32LE);

    final SampleEncoding encoding;

    RawFormat(SampleEncoding encoding) {
      this.encoding = encoding;
    }
  }

  @Spec CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "SOURCE",
      description = "WAV/AIFF/AU file, any ffmpeg format or URL, a directory (each audio file a feed), or - for raw PCM on stdin.")
  List<String> sources;

  @Option(names = "--feeds", description = "Number of feeds, spread over the sources (default: one per source).")
  int feeds;

  @Option(names = "--loop", description = "Start each source over at its end (with --feeds: simulated live feeds with offset starts).")
  boolean loop;

  @Option(names = "--loop-pause-ms", description = "With --loop: silence between the end of a source and its next loop, so a sound comes and goes (default: ${DEFAULT-VALUE}).")
  int loopPauseMillis;

  @Option(names = "--pace", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Send each feed at 1x its own clock (default: ${DEFAULT-VALUE}; --no-pace for backfill).")
  boolean pace = true;

  @Option(names = "--chunk-ms", description = "Chunk length in milliseconds (default: ${DEFAULT-VALUE}).")
  int chunkMillis = IngestRunner.DEFAULT_CHUNK_MILLIS;

  @Option(names = "--stream-id", description = "Stream id (default: the file name; with several feeds, a prefix).")
  String streamId;

  @Option(names = "--format", description = "Raw stdin sample format: ${COMPLETION-CANDIDATES}.")
  RawFormat format;

  @Option(names = "--rate", description = "Raw stdin sample rate in Hz.")
  Integer rate;

  @Option(names = "--channels", description = "Raw stdin channel count.")
  Integer channels;

  @Option(names = "--bootstrap-servers", description = "Kafka brokers (default: from --config, else localhost:9092).")
  String bootstrapServers;

  @Option(names = "--config", description = "Job YAML whose kafka.bootstrap-servers is the default and whose kafka.properties (TLS, SASL) the producer uses.")
  Path config;

  @Option(names = "--topic", description = "Raw topic (default: ${DEFAULT-VALUE}).")
  String topic = Topics.AUDIO_RAW_NAME;

  @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Show a progress line on a terminal (default: ${DEFAULT-VALUE}).")
  boolean progress = true;

  /** Ingest's default metrics port (Flink's reporter has 9249, the normaliser 9250). */
  static final int DEFAULT_METRICS_PORT = 9251;

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Serve Prometheus metrics (per feed: chunks, bytes and seconds sent) on http://localhost:PORT/metrics (default: ${DEFAULT-VALUE}; 0 picks a free port, -1 serves none).")
  int metricsPort = DEFAULT_METRICS_PORT;

  @Override
  public Integer call() {
    PrintStream err = new PrintStream(new NormalizeCommand.WriterOutputStream(spec.commandLine().getErr()),
        true, StandardCharsets.UTF_8);
    String problem = checkFlags();
    if (problem != null) {
      err.println("error: " + problem);
      return 2;
    }
    String servers = bootstrapServers(bootstrapServers, config, spec);
    if (servers == null) {
      return 2;
    }
    AudioSources.RawStdin stdin = format == null ? null : new AudioSources.RawStdin(
        new PcmFormat(rate, channels, format.encoding), new BufferedInputStream(System.in));
    if (loopPauseMillis < 0 || (loopPauseMillis > 0 && !loop)) {
      err.println("error: --loop-pause-ms must be at least 0, and needs --loop");
      return 2;
    }
    var options = new IngestRunner.Options(sources, feeds, loop, pace, chunkMillis, streamId, stdin,
        loopPauseMillis);
    return IngestService.run(options, servers, clientProperties(config),
        Topics.singleObject().audioRaw.withName(topic), err, progress && System.console() != null,
        metricsPort == -1 ? IngestService.NO_METRICS : metricsPort);
  }

  /** The first flag problem, or null. */
  String checkFlags() {
    if (feeds < 0) {
      return "--feeds must be positive";
    }
    if (metricsPort < -1 || metricsPort > 65_535) {
      return "--metrics-port must be a port (0 for any free one, -1 for none)";
    }
    if (chunkMillis < 1 || chunkMillis > 10_000) {
      return "--chunk-ms must be between 1 and 10000";
    }
    boolean stdin = sources.contains(AudioSources.STDIN);
    if (stdin && (format == null || rate == null || channels == null)) {
      return "reading - (stdin) needs --format s16le|f32le, --rate and --channels";
    }
    if (!stdin && (format != null || rate != null || channels != null)) {
      return "--format, --rate and --channels describe raw stdin; give - as a source";
    }
    if (stdin && (rate <= 0 || channels <= 0)) {
      return "--rate and --channels must be positive";
    }
    return null;
  }

  /** The config file's {@code kafka.properties} (TLS, SASL, ...), for every client; none without a file. */
  static java.util.Map<String, String> clientProperties(Path config) {
    return config == null ? java.util.Map.of() : JobConfig.load(config).kafka.properties;
  }

  /** --bootstrap-servers, else the config file's, else localhost:9092; null (after an error line) if the file is bad. */
  static String bootstrapServers(String flag, Path config, CommandSpec spec) {
    if (flag != null) {
      return flag;
    }
    try {
      String fromConfig = JobConfig.load(config).kafka.bootstrapServers;
      return fromConfig == null || fromConfig.isBlank() ? "localhost:9092" : fromConfig;
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return null;
    }
  }
}
