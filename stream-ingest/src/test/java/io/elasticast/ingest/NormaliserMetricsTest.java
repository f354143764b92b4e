package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The normaliser's own counters as Prometheus scrapes them, driven through the real topology. */
class NormaliserMetricsTest {

  static AudioChunk chunk(String feed, long seq) {
    return AudioFixtures.floatChunk(feed, seq, 16_000, 1, AudioFixtures.tone(440, 0.1, 16_000, 0.3));
  }

  @Test
  void shouldCountEveryOutcomeAndSequenceEventUnderItsDocumentedName() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (NormaliserDriver n = new NormaliserDriver()) {
      NormaliserMetrics.bindCounters(n.counters, registry);
      String before = registry.scrape();
      // every reason is there before the first dead letter, so rate() works from the start
      for (DeadLetterReason reason : DeadLetterReason.values()) {
        assertThat(Scrapes.value(before, "elasticast_normaliser_dead_letters_total", "reason",
            reason.name())).hasValue(0);
      }

      for (long seq = 0; seq < 3; seq++) {
        n.send(chunk("feed-a", seq));
      }
      n.send(chunk("feed-a", 5)); // 3 and 4 missing: a gap of 2
      n.send(chunk("feed-a", 4)); // late: out of order, dead-lettered
      n.send(chunk("feed-a", 4)); // a retry: duplicate
      AudioChunk again = chunk("feed-a", 0); // the feed starts over a minute later
      n.send(AudioChunk.newBuilder(again)
          .setEventTimeStartMicros(again.getEventTimeStartMicros() + 60_000_000L).build());
      n.sendBytes("feed-b".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
      n.send("feed-c", chunk("feed-d", 0)); // key is not the stream id

      String text = registry.scrape();
      assertThat(Scrapes.value(text, "elasticast_normaliser_chunks_normalised_total")).hasValue(5);
      assertThat(Scrapes.value(text, "elasticast_normaliser_streams_started_total")).hasValue(1);
      assertThat(Scrapes.value(text, "elasticast_normaliser_gaps_total")).hasValue(1);
      assertThat(Scrapes.value(text, "elasticast_normaliser_missing_chunks_total")).hasValue(2);
      assertThat(Scrapes.value(text, "elasticast_normaliser_out_of_order_total")).hasValue(1);
      assertThat(Scrapes.value(text, "elasticast_normaliser_duplicates_total")).hasValue(1);
      assertThat(Scrapes.value(text, "elasticast_normaliser_stream_restarts_total")).hasValue(1);
      assertThat(Scrapes.value(text, "elasticast_normaliser_dead_letters_total", "reason",
          "UNDECODABLE")).hasValue(1);
      assertThat(Scrapes.value(text, "elasticast_normaliser_dead_letters_total", "reason",
          "KEY_MISMATCH")).hasValue(1);
      assertThat(Scrapes.value(text, "elasticast_normaliser_dead_letters_total", "reason",
          "OUT_OF_ORDER")).hasValue(1);
      assertThat(Scrapes.value(text, "elasticast_normaliser_dead_letters_total", "reason",
          "BAD_SEQUENCE")).hasValue(0);
      // and they agree with what the topology wrote
      assertThat(n.readNormalised()).hasSize(5);
      assertThat(n.readDeadLetters()).hasSize(3);
    }
  }
}
