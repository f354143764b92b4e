package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.Topic;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * Runs the normaliser as a long-lived application (what {@code elasticast normalize} calls): starts
 * Kafka Streams, prints a status line every few seconds, and closes cleanly when stopped.
 */
public final class NormaliserService {

  public static final Duration STATUS_EVERY = Duration.ofSeconds(5);

  private NormaliserService() {}

  /** The normaliser with {@link NormaliserSettings#defaults()}; see the full {@code run} below. */
  public static int run(Properties config, Topic<String, AudioChunk> raw,
      Topic<String, AudioChunk> normalised, Topic<String, DeadLetter> deadLetters,
      PrintStream out, CountDownLatch stop) throws InterruptedException {
    return run(config, raw, normalised, deadLetters, NormaliserSettings.defaults(), out, stop);
  }

  /**
   * Blocks until {@code stop} is counted down or the application fails; returns the exit code
   * (0 after a requested stop, 1 if Kafka Streams gave up).
   */
  public static int run(Properties config, Topic<String, AudioChunk> raw,
      Topic<String, AudioChunk> normalised, Topic<String, DeadLetter> deadLetters,
      NormaliserSettings settings, PrintStream out, CountDownLatch stop) throws InterruptedException {
    return run(config, raw, normalised, deadLetters, settings, out, stop, null);
  }

  /**
   * The same, with the normaliser's meters ({@link NormaliserMetrics}) bound to {@code metrics}
   * while it runs (none when null): the caller serves that registry, e.g. a {@link MetricsEndpoint}.
   */
  public static int run(Properties config, Topic<String, AudioChunk> raw,
      Topic<String, AudioChunk> normalised, Topic<String, DeadLetter> deadLetters,
      NormaliserSettings settings, PrintStream out, CountDownLatch stop, MeterRegistry metrics)
      throws InterruptedException {
    StreamsBuilder builder = new StreamsBuilder();
    NormaliserCounters counters = new NormaliserCounters();
    NormaliserTopology.build(builder, raw, normalised, deadLetters, counters, settings);
    CountDownLatch failed = new CountDownLatch(1);
    try (KafkaStreams streams = new KafkaStreams(builder.build(), config);
        NormaliserMetrics meters = metrics == null ? null
            : NormaliserMetrics.bind(counters, streams, metrics)) {
      // Bad records never throw (they are dead-lettered); what reaches here is infrastructure
      // trouble, which a fresh thread would only repeat.
      streams.setUncaughtExceptionHandler(e -> {
        out.println("error: normaliser stopped: " + rootMessage(e));
        failed.countDown();
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      });
      streams.start();
      out.println("normaliser: " + raw.name() + " -> " + normalised.name() + " (dead letters: "
          + deadLetters.name() + ") on " + config.get("bootstrap.servers") + "; Ctrl-C to stop");
      long started = System.nanoTime();
      long lastTotal = 0;
      long lastNanos = started;
      while (!stop.await(STATUS_EVERY.toMillis(), TimeUnit.MILLISECONDS) && failed.getCount() > 0) {
        long now = System.nanoTime();
        long total = counters.total();
        out.printf("normaliser: %s, state %s, %.0f records/s%n", counters, streams.state(),
            (total - lastTotal) * 1e9 / (now - lastNanos));
        out.flush();
        lastTotal = total;
        lastNanos = now;
      }
      out.println("normaliser: closing (" + counters + ")");
      streams.close(Duration.ofSeconds(30));
    }
    return failed.getCount() == 0 ? 1 : 0;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
