package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.Topic;
import java.io.PrintStream;
import java.time.Clock;
import org.apache.kafka.common.KafkaException;

/**
 * Runs ingest into Kafka (what {@code elasticast ingest} calls). Ctrl-C stops the feeds, flushes
 * what was sent, and still prints the summary.
 */
public final class IngestService {

  private IngestService() {}

  public static int run(IngestRunner.Options options, String bootstrapServers,
      Topic<String, AudioChunk> topic, PrintStream err, boolean showProgress) {
    return run(options, bootstrapServers, java.util.Map.of(), topic, err, showProgress);
  }

  /** The same with extra client properties (TLS, SASL, ...) passed straight to the producer. */
  public static int run(IngestRunner.Options options, String bootstrapServers,
      java.util.Map<String, String> clientProperties, Topic<String, AudioChunk> topic, PrintStream err,
      boolean showProgress) {
    return run(options, bootstrapServers, clientProperties, topic, err, showProgress, NO_METRICS);
  }

  /** {@code metricsPort} for no metrics endpoint. */
  public static final int NO_METRICS = -1;

  /**
   * The same, serving {@link IngestMetrics} on {@code metricsPort} (0: any free port;
   * {@link #NO_METRICS}: none) while it runs; the URL is printed first. Exit code 2 when the port
   * cannot be had.
   */
  public static int run(IngestRunner.Options options, String bootstrapServers,
      java.util.Map<String, String> clientProperties, Topic<String, AudioChunk> topic, PrintStream err,
      boolean showProgress, int metricsPort) {
    KafkaChunkSink sink;
    try {
      java.util.Properties producer = KafkaChunkSink.producerProperties(bootstrapServers);
      producer.putAll(clientProperties);
      sink = new KafkaChunkSink(producer, topic);
    } catch (KafkaException e) {
      err.println("error: cannot create a Kafka producer for " + bootstrapServers + ": "
          + NormaliserService.rootMessage(e));
      return 1;
    }
    MetricsEndpoint metrics = null;
    try (sink) {
      IngestRunner runner = new IngestRunner(options, sink, Ticker.system(), Clock.systemUTC(), err,
          showProgress);
      if (metricsPort != NO_METRICS) {
        try {
          metrics = IngestMetrics.serve(metricsPort, runner, sink);
        } catch (IllegalArgumentException e) {
          err.println("error: " + e.getMessage());
          return 2;
        }
        err.println("ingest: metrics on " + metrics.url());
      }
      Thread hook = new Thread(runner::stop, "ingest-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      int exit = runner.run();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and waits for this summary.
      }
      return exit;
    } finally {
      if (metrics != null) {
        metrics.close();
      }
    }
  }
}
