package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.SampleEncoding;
import io.elasticast.schemas.Topic;
import io.elasticast.schemas.Topics;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;

/**
 * How many chunks per second the normaliser handles, hence how many live feeds (100 ms chunks)
 * one instance sustains. Measures side by side in one run: the per-record work alone (decode,
 * validate, state round trip, resample, encode) for several input formats, and optionally the
 * whole Kafka Streams application on a real broker with exactly-once.
 */
public final class NormaliserBenchmark {

  public static final int CHUNK_MILLIS = 100;
  static final int FEEDS = 50;

  static final Duration WARM_UP = Duration.ofSeconds(5);

  /** Chunks per second for one pass over {@code records} with fresh state. */
  static double runOnce(List<byte[]> records,
      org.apache.kafka.common.serialization.Deserializer<AudioChunk> reader,
      org.apache.kafka.common.serialization.Serializer<AudioChunk> writer,
      StreamState.StreamStateSerde stateSerde) {
    ChunkNormaliser normaliser = new ChunkNormaliser();
    java.util.Map<String, byte[]> store = new java.util.HashMap<>();
    long start = System.nanoTime();
    for (byte[] record : records) {
      AudioChunk chunk = reader.deserialize("raw", record);
      String key = chunk.getStreamId();
      if (ChunkValidator.validate(key, chunk).isPresent()) {
        throw new IllegalStateException("benchmark input must be valid");
      }
      var outcome = normaliser.normalise(stateSerde.deserialize("s", store.get(key)), chunk);
      store.put(key, stateSerde.serialize("s", outcome.state()));
      writer.serialize("normalised", outcome.output());
    }
    return records.size() * 1e9 / (System.nanoTime() - start);
  }

  /** An input format to measure. */
  public record Case(String name, int rate, int channels, SampleEncoding encoding) {}

  public static final List<Case> CASES = List.of(
      new Case("16 kHz mono s16 (pass-through)", 16_000, 1, SampleEncoding.PCM_S16LE),
      new Case("8 kHz mono s16 (upsample)", 8_000, 1, SampleEncoding.PCM_S16LE),
      new Case("44.1 kHz stereo s16", 44_100, 2, SampleEncoding.PCM_S16LE),
      new Case("48 kHz mono f32", 48_000, 1, SampleEncoding.FLOAT32LE));

  private NormaliserBenchmark() {}

  /** Per-record work on one thread: {@code repeats} runs of {@code chunks} chunks each; prints min/median. */
  public static void perRecord(PrintStream out, int chunks, int repeats) {
    Topics topics = Topics.singleObject();
    var reader = topics.audioRaw.valueSerde().deserializer();
    var writer = topics.audioRaw.valueSerde().serializer();
    var stateSerde = new StreamState.StreamStateSerde();
    out.printf("normaliser per-record work, one thread, %d-ms chunks, %d feeds interleaved, %d x %d chunks%n",
        CHUNK_MILLIS, FEEDS, repeats, chunks);
    out.printf("%-34s %14s %14s %12s %8s%n", "input", "chunks/s min", "chunks/s med", "feeds (med)", "vs 16k");
    double baseline = 0;
    for (Case c : CASES) {
      List<byte[]> records = chunks(c, chunks).stream()
          .map(chunk -> writer.serialize("raw", chunk)).toList();
      double[] rates = new double[repeats];
      // Warm up for a fixed time: on a busy machine the JIT needs many passes before C2 code runs.
      long warmUntil = System.nanoTime() + WARM_UP.toNanos();
      while (System.nanoTime() < warmUntil) {
        runOnce(records, reader, writer, stateSerde);
      }
      for (int r = 0; r < repeats; r++) {
        rates[r] = runOnce(records, reader, writer, stateSerde);
      }
      Arrays.sort(rates);
      double median = rates[repeats / 2];
      if (baseline == 0) {
        baseline = median;
      }
      out.printf("%-34s %14.0f %14.0f %12.0f %7.2fx%n", c.name(), rates[0], median,
          median * CHUNK_MILLIS / 1000.0, median / baseline);
    }
  }

  /**
   * The whole application on a real broker: pre-loads {@code chunks} 44.1 kHz stereo chunks, then
   * times the normaliser (exactly-once, one stream thread) from start until all are accounted for.
   */
  public static void endToEnd(PrintStream out, String bootstrapServers, int chunks)
      throws Exception {
    Topics topics = Topics.singleObject();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    Topic<String, AudioChunk> raw = topics.audioRaw.withName("bench.raw." + suffix);
    Topic<String, AudioChunk> normalised = topics.audioNormalised.withName("bench.normalised." + suffix);
    Topic<String, DeadLetter> dead = topics.deadLetters.withName("bench.dead." + suffix);
    Case c = CASES.get(2);
    try (var producer = new KafkaProducer<>(KafkaChunkSink.producerProperties(bootstrapServers),
        raw.keySerde().serializer(), raw.valueSerde().serializer())) {
      for (AudioChunk chunk : chunks(c, chunks)) {
        producer.send(new ProducerRecord<>(raw.name(), chunk.getStreamId(), chunk));
      }
      producer.flush();
    }
    StreamsBuilder builder = new StreamsBuilder();
    NormaliserCounters counters = new NormaliserCounters();
    NormaliserTopology.build(builder, raw, normalised, dead, counters);
    Path state = Files.createTempDirectory("normaliser-bench");
    Properties config = NormaliserConfig.properties(bootstrapServers, "normaliser-bench-" + suffix, state, 1);
    try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
      CountDownLatch running = new CountDownLatch(1);
      streams.setStateListener((now, before) -> {
        if (now == KafkaStreams.State.RUNNING) {
          running.countDown();
        }
      });
      streams.start();
      running.await();
      long start = System.nanoTime();
      long deadline = start + Duration.ofMinutes(5).toNanos();
      while (counters.total() < chunks && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double rate = counters.total() / seconds;
      out.printf("normaliser end-to-end on a real broker (exactly_once_v2, 1 stream thread), %s:%n", c.name());
      out.printf("  %d chunks in %.2f s = %.0f chunks/s = %.0f live feeds at %d-ms chunks (%s)%n",
          counters.total(), seconds, rate, rate * CHUNK_MILLIS / 1000.0, CHUNK_MILLIS, counters);
      streams.close(Duration.ofSeconds(30));
    }
  }

  static List<AudioChunk> chunks(Case c, int count) {
    Random random = new Random(42);
    int frames = c.rate() * CHUNK_MILLIS / 1000;
    List<AudioChunk> out = new ArrayList<>(count);
    float[] samples = new float[frames * c.channels()];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (float) (0.5 * (2 * random.nextDouble() - 1));
    }
    byte[] payload = c.encoding() == SampleEncoding.FLOAT32LE
        ? SampleCodec.encodeFloat32(samples) : SampleCodec.encodeS16(samples);
    for (int i = 0; i < count; i++) {
      int feed = i % FEEDS;
      long seq = i / FEEDS;
      out.add(AudioChunk.newBuilder()
          .setStreamId("bench-" + feed)
          .setSequenceNumber(seq)
          .setEventTimeStartMicros(seq * CHUNK_MILLIS * 1_000L)
          .setSampleRate(c.rate())
          .setChannels(c.channels())
          .setEncoding(c.encoding())
          .setPayload(ByteBuffer.wrap(payload))
          .build());
    }
    return out;
  }
}
