package io.elasticast.ingest;

import io.elasticast.schemas.DeadLetterReason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The normaliser's meters: its own {@link NormaliserCounters} (names {@code elasticast_normaliser_*})
 * and every Kafka Streams, consumer and producer metric of its client ({@code kafka_*}, through
 * Micrometer's binder). Every name is listed in {@code docs/metrics.md}.
 */
public final class NormaliserMetrics implements AutoCloseable {

  /**
   * How often the Kafka binder looks for metrics that appeared since (a partition's lag once it is
   * assigned); Micrometer's default of a minute would leave a new assignment's lag unseen that long.
   */
  static final Duration KAFKA_REFRESH = Duration.ofSeconds(5);

  private final KafkaStreamsMetrics kafka;

  private NormaliserMetrics(KafkaStreamsMetrics kafka) {
    this.kafka = kafka;
  }

  /** Binds the counters alone (a topology test has no {@link KafkaStreams}). */
  public static void bindCounters(NormaliserCounters counters, MeterRegistry registry) {
    counter(registry, "elasticast.normaliser.chunks.normalised", counters, NormaliserCounters::normalised,
        "Raw chunks written to the normalised topic");
    counter(registry, "elasticast.normaliser.duplicates", counters, NormaliserCounters::duplicates,
        "Repeated chunks (a producer's retry) dropped");
    counter(registry, "elasticast.normaliser.streams.started", counters,
        NormaliserCounters::streamsStarted, "First chunks of streams the normaliser did not know");
    counter(registry, "elasticast.normaliser.gaps", counters, NormaliserCounters::gaps,
        "Chunks that came after missing ones");
    counter(registry, "elasticast.normaliser.missing.chunks", counters,
        NormaliserCounters::missingChunks, "Chunks that never came, summed over the gaps");
    counter(registry, "elasticast.normaliser.stream.restarts", counters, NormaliserCounters::restarts,
        "Streams whose producer started over");
    counter(registry, "elasticast.normaliser.out.of.order", counters, NormaliserCounters::outOfOrder,
        "Chunks that arrived after a later one had been passed on (dead-lettered as OUT_OF_ORDER)");
    // every reason from the start, at 0: rate() and alerts need the series before the first one
    for (DeadLetterReason reason : DeadLetterReason.values()) {
      FunctionCounter.builder("elasticast.normaliser.dead.letters", counters,
              c -> c.deadLetters(reason))
          .tags(Tags.of("reason", reason.name()))
          .description("Raw records dead-lettered, by reason")
          .register(registry);
    }
  }

  /**
   * Binds the counters, a {@code elasticast_normaliser_running} gauge and the client's Kafka
   * metrics; {@link #close} stops the Kafka binder's refresh thread.
   */
  public static NormaliserMetrics bind(NormaliserCounters counters, KafkaStreams streams,
      MeterRegistry registry) {
    bindCounters(counters, registry);
    Gauge.builder("elasticast.normaliser.running", streams,
            s -> s.state() == KafkaStreams.State.RUNNING ? 1 : 0)
        .description("1 while Kafka Streams is RUNNING (0 while starting, rebalancing, failed or closing)")
        .register(registry);
    KafkaStreamsMetrics kafka = new KafkaStreamsMetrics(streams, Tags.empty(),
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "normaliser-metrics-refresh");
          t.setDaemon(true);
          return t;
        }), KAFKA_REFRESH);
    kafka.bindTo(registry);
    return new NormaliserMetrics(kafka);
  }

  private static void counter(MeterRegistry registry, String name, NormaliserCounters counters,
      java.util.function.ToDoubleFunction<NormaliserCounters> value, String description) {
    FunctionCounter.builder(name, counters, value).description(description).register(registry);
  }

  @Override
  public void close() {
    kafka.close();
  }
}
