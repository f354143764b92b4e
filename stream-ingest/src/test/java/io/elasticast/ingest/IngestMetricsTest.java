package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.schemas.AudioChunk;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestMetricsTest {

  @TempDir Path dir;

  Path wav(String name, double seconds) throws Exception {
    float[] mono = AudioFixtures.sweep(100, 8_000, seconds, 22_050, 0.5);
    byte[] pcm = SampleCodec.encodeS16(mono);
    Path path = dir.resolve(name);
    try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(pcm),
        new AudioFormat(22_050, 16, 1, true, false), mono.length)) {
      AudioSystem.write(in, AudioFileFormat.Type.WAVE, path.toFile());
    }
    return path;
  }

  @Test
  void shouldServeEachFeedsChunksBytesAndSecondsSentIncludingFeedsPlannedAfterItStarted()
      throws Exception {
    CollectingSink sink = new CollectingSink();
    var options = new IngestRunner.Options(
        List.of(wav("low.wav", 1.05).toString(), wav("high.wav", 0.5).toString()), 0, false, false,
        100, null, null);
    IngestRunner runner = new IngestRunner(options, sink, new FakeTicker(),
        Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
    try (MetricsEndpoint endpoint = IngestMetrics.serve(0, runner, sink)) {
      // no feed yet: the runner plans them when it runs
      String empty = Scrapes.get(endpoint.url());
      assertThat(Scrapes.value(empty, "elasticast_ingest_chunks_sent_total")).isEmpty();
      assertThat(Scrapes.value(empty, "elasticast_ingest_feeds", "status", "done")).hasValue(0);

      assertThat(runner.run()).isZero();
      String text = Scrapes.get(endpoint.url());
      for (String feed : List.of("low", "high")) {
        List<AudioChunk> sent = sink.of(feed);
        long bytes = sent.stream().mapToLong(c -> c.getPayload().remaining()).sum();
        assertThat(Scrapes.value(text, "elasticast_ingest_chunks_sent_total", "feed", feed))
            .hasValue(sent.size());
        assertThat(Scrapes.value(text, "elasticast_ingest_payload_sent_bytes_total", "feed", feed))
            .hasValue(bytes);
        assertThat(Scrapes.value(text, "elasticast_ingest_send_failures_total", "feed", feed))
            .hasValue(0);
      }
      assertThat(sink.of("low")).hasSize(11);
      assertThat(Scrapes.value(text, "elasticast_ingest_audio_sent_seconds_total", "feed", "low")
          .orElseThrow()).isCloseTo(1.05, within(0.001));
      assertThat(Scrapes.value(text, "elasticast_ingest_feeds", "status", "done")).hasValue(2);
      assertThat(Scrapes.value(text, "elasticast_ingest_feeds", "status", "failed")).hasValue(0);
    }
  }

  @Test
  void shouldCountAFailedSendAndTheFailedFeed() throws Exception {
    ChunkSink refusing = new ChunkSink() {
      @Override
      public void send(AudioChunk chunk, java.util.function.Consumer<Exception> onFailure) {
        onFailure.accept(new IllegalStateException("broker gone"));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    var options = new IngestRunner.Options(List.of(wav("x.wav", 0.5).toString()), 0, false, false,
        100, null, null);
    IngestRunner runner = new IngestRunner(options, refusing, new FakeTicker(),
        Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
    try (MetricsEndpoint endpoint = IngestMetrics.serve(0, runner, refusing)) {
      assertThat(runner.run()).isEqualTo(1);
      String text = Scrapes.get(endpoint.url());
      assertThat(Scrapes.value(text, "elasticast_ingest_send_failures_total", "feed", "x")).hasValue(1);
      assertThat(Scrapes.value(text, "elasticast_ingest_feeds", "status", "failed")).hasValue(1);
    }
  }
}
