package io.elasticast.ingest;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Ingest's meters: per feed the chunks, payload bytes and seconds of audio sent and the failed
 * sends ({@code elasticast_ingest_*{feed="<stream id>"}}), feeds by status, and the producer's
 * Kafka metrics ({@code kafka_producer_*}). Feeds are planned once {@link IngestRunner#run} starts,
 * so their meters are added by {@link #refresh}, which the endpoint runs before every scrape. A
 * feed's meters stay after it ends (its totals are still true); ingest's feeds do not come and go.
 */
public final class IngestMetrics {

  private final Supplier<List<Feed>> feeds;
  private final MeterRegistry registry;
  private final Set<Feed> bound = ConcurrentHashMap.newKeySet();

  private IngestMetrics(Supplier<List<Feed>> feeds, MeterRegistry registry) {
    this.feeds = feeds;
    this.registry = registry;
  }

  /** Binds the feed meters of {@code feeds} (e.g. {@code runner::feeds}) to {@code registry}. */
  public static IngestMetrics bind(Supplier<List<Feed>> feeds, MeterRegistry registry) {
    IngestMetrics m = new IngestMetrics(feeds, registry);
    for (Feed.Status status : Feed.Status.values()) {
      Gauge.builder("elasticast.ingest.feeds", m,
              x -> x.feeds.get().stream().filter(f -> f.status() == status).count())
          .tags(Tags.of("status", status.name().toLowerCase(Locale.ROOT)))
          .description("Feeds by status")
          .register(registry);
    }
    m.refresh();
    return m;
  }

  /**
   * What {@code ./elasticast ingest} and the demo serve: {@code runner}'s feeds and, when
   * {@code sink} is a Kafka one, its producer's metrics, on {@code port} (0: a free one).
   * Closing the endpoint stops it all.
   */
  public static MetricsEndpoint serve(int port, IngestRunner runner, ChunkSink sink) {
    MetricsEndpoint endpoint = MetricsEndpoint.start(port);
    IngestMetrics metrics = bind(runner::feeds, endpoint.registry());
    endpoint.beforeScrape(metrics::refresh);
    if (sink instanceof KafkaChunkSink kafka) {
      endpoint.closeWith(bindProducer(kafka, endpoint.registry()));
    }
    return endpoint;
  }

  /** The producer's Kafka metrics; close the result to stop its refresh thread. */
  public static AutoCloseable bindProducer(KafkaChunkSink sink, MeterRegistry registry) {
    KafkaClientMetrics kafka = new KafkaClientMetrics(sink.producer(), Tags.empty(),
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "ingest-metrics-refresh");
          t.setDaemon(true);
          return t;
        }), Duration.ofSeconds(5));
    kafka.bindTo(registry);
    return kafka::close;
  }

  /** Adds the meters of feeds that have appeared since the last call. */
  public void refresh() {
    for (Feed feed : feeds.get()) {
      if (!bound.add(feed)) {
        continue;
      }
      Tags tags = Tags.of("feed", feed.streamId());
      FunctionCounter.builder("elasticast.ingest.chunks.sent", feed, Feed::chunks).tags(tags)
          .description("Chunks handed to the producer").register(registry);
      FunctionCounter.builder("elasticast.ingest.payload.sent", feed, Feed::bytesSent).tags(tags)
          .baseUnit("bytes").description("Audio payload bytes of those chunks (before compression)")
          .register(registry);
      FunctionCounter.builder("elasticast.ingest.audio.sent", feed, Feed::secondsSent).tags(tags)
          .baseUnit("seconds").description("Seconds of audio sent").register(registry);
      FunctionCounter.builder("elasticast.ingest.send.failures", feed, Feed::sendFailures).tags(tags)
          .description("Chunks the producer could not deliver (the feed fails at the first)")
          .register(registry);
    }
  }
}
