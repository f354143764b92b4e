package io.elasticast.bench;

import io.elasticast.ingest.ChunkNormaliser;
import io.elasticast.ingest.ChunkValidator;
import io.elasticast.ingest.KafkaChunkSink;
import io.elasticast.ingest.NormaliserConfig;
import io.elasticast.ingest.NormaliserCounters;
import io.elasticast.ingest.NormaliserTopology;
import io.elasticast.ingest.SampleCodec;
import io.elasticast.ingest.StreamState;
import io.elasticast.kafka.EmbeddedKafkaBroker;
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
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;

/**
 * How many chunks per second the normaliser handles, hence how many live feeds (100 ms chunks)
 * one instance sustains ({@code elasticast bench normalizer}). Measures side by side in one run:
 * the per-record work alone (decode, validate, state round trip, resample, encode) for several
 * input formats, as a JMH micro-benchmark ({@link PerRecord}), and optionally the whole Kafka
 * Streams application on a real broker with exactly-once.
 */
public final class NormaliserBenchmark {

  public static final int CHUNK_MILLIS = 100;
  static final int FEEDS = 50;

  /** One pass over {@code records} with fresh state; returns the records written. */
  static int runOnce(List<byte[]> records,
      org.apache.kafka.common.serialization.Deserializer<AudioChunk> reader,
      org.apache.kafka.common.serialization.Serializer<AudioChunk> writer,
      StreamState.StreamStateSerde stateSerde) {
    ChunkNormaliser normaliser = new ChunkNormaliser();
    java.util.Map<String, byte[]> store = new java.util.HashMap<>();
    int written = 0;
    for (byte[] record : records) {
      AudioChunk chunk = reader.deserialize("raw", record);
      String key = chunk.getStreamId();
      if (ChunkValidator.validate(key, chunk).isPresent()) {
        throw new IllegalStateException("benchmark input must be valid");
      }
      var outcome = normaliser.normalise(stateSerde.deserialize("s", store.get(key)), chunk);
      store.put(key, stateSerde.serialize("s", outcome.state()));
      written += writer.serialize("normalised", outcome.output()).length > 0 ? 1 : 0;
    }
    return written;
  }

  /** An input format to measure. */
  public record Case(String name, int rate, int channels, SampleEncoding encoding) {}

  public static final List<Case> CASES = List.of(
      new Case("16 kHz mono s16 (pass-through)", 16_000, 1, SampleEncoding.PCM_S16LE),
      new Case("8 kHz mono s16 (upsample)", 8_000, 1, SampleEncoding.PCM_S16LE),
      new Case("44.1 kHz stereo s16", 44_100, 2, SampleEncoding.PCM_S16LE),
      new Case("48 kHz mono f32", 48_000, 1, SampleEncoding.FLOAT32LE));

  private NormaliserBenchmark() {}

  /**
   * The per-record work of one input format on one thread, as JMH measures it: one operation is
   * a pass over {@code chunks} serialised chunks of {@link #FEEDS} interleaved feeds, state kept
   * in a map as the state store would keep it.
   */
  @State(Scope.Benchmark)
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public static class PerRecord {

    /** Index into {@link #CASES}. */
    @Param({"0", "1", "2", "3"})
    public int format;

    @Param({"5000"})
    public int chunks;

    List<byte[]> records;
    org.apache.kafka.common.serialization.Deserializer<AudioChunk> reader;
    org.apache.kafka.common.serialization.Serializer<AudioChunk> writer;
    StreamState.StreamStateSerde stateSerde;

    @Setup
    public void setUp() {
      Topics topics = Topics.singleObject();
      reader = topics.audioRaw.valueSerde().deserializer();
      writer = topics.audioRaw.valueSerde().serializer();
      stateSerde = new StreamState.StreamStateSerde();
      records = chunks(CASES.get(format), chunks).stream()
          .map(chunk -> writer.serialize("raw", chunk)).toList();
    }

    @Benchmark
    public int pass() {
      return runOnce(records, reader, writer, stateSerde);
    }
  }

  /**
   * Per-record work on one thread (JMH, one fork, {@code repeats} measured iterations of 1 s per
   * format after 5 warm-up iterations); prints min/median chunks/s and the live feeds they carry.
   */
  public static void perRecord(PrintStream out, int chunks, int repeats) throws RunnerException {
    out.printf("normaliser per-record work (JMH), one thread, %d-ms chunks, %d feeds interleaved,"
        + " %d x 1 s per format, passes of %d chunks%n", CHUNK_MILLIS, FEEDS, repeats, chunks);
    Options options = new OptionsBuilder()
        .include(PerRecord.class.getName().replace("$", ".") + ".pass")
        .param("chunks", String.valueOf(chunks))
        .forks(1)
        .warmupIterations(5)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(repeats)
        .measurementTime(TimeValue.seconds(1))
        .threads(1)
        .verbosity(VerboseMode.SILENT)
        .build();
    Map<Integer, Statistics> byFormat = new java.util.TreeMap<>();
    for (RunResult r : new Runner(options).run()) {
      byFormat.put(Integer.parseInt(r.getParams().getParam("format")),
          r.getPrimaryResult().getStatistics());
    }
    out.printf("%-34s %14s %14s %12s %8s%n", "input", "chunks/s min", "chunks/s med", "feeds (med)", "vs 16k");
    double baseline = 0;
    for (Map.Entry<Integer, Statistics> e : byFormat.entrySet()) {
      double min = e.getValue().getMin() * chunks;
      double median = e.getValue().getPercentile(50) * chunks;
      if (baseline == 0) {
        baseline = median;
      }
      out.printf("%-34s %14.0f %14.0f %12.0f %7.2fx%n", CASES.get(e.getKey()).name(), min, median,
          median * CHUNK_MILLIS / 1000.0, median / baseline);
    }
  }

  /** The header line of {@link #endToEnd} runs. */
  public static void endToEndHeader(PrintStream out, int chunks, int feeds, int threads,
      int partitions) {
    out.printf("normaliser end-to-end on a real broker (exactly_once_v2, commit every %d ms, %d stream"
            + " thread(s), %d partitions), %d chunks of %d feeds, %d-ms chunks; %d live feeds need %d"
            + " chunks/s:%n", NormaliserConfig.COMMIT_INTERVAL_MS, threads, partitions, chunks, feeds,
        CHUNK_MILLIS, feeds, feeds * 1000 / CHUNK_MILLIS);
  }

  /**
   * The whole application on a broker of its own (tuned for throughput, so that one run's backlog
   * does not slow the next), for the input format {@code CASES.get(index)}: pre-loads {@code
   * chunks} chunks of {@code feeds} interleaved feeds on topics of {@code partitions} partitions
   * (every record acknowledged, or it throws), then times the normaliser (exactly-once, {@code
   * threads} stream threads) from start until every chunk is accounted for, and prints whether
   * that rate carries {@code feeds} live feeds.
   */
  public static void endToEnd(PrintStream out, int chunks, int feeds, int threads, int partitions,
      int index) throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
        EmbeddedKafkaBroker.Options.defaults().forThroughput())) {
      endToEnd(out, broker, chunks, feeds, threads, partitions, index);
    }
  }

  private static void endToEnd(PrintStream out, EmbeddedKafkaBroker broker, int chunks, int feeds,
      int threads, int partitions, int index) throws Exception {
    String bootstrapServers = broker.bootstrapServers();
    Case c = CASES.get(index);
    Topics topics = Topics.singleObject();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    Topic<String, AudioChunk> raw = topics.audioRaw.withName("bench.raw." + suffix);
    Topic<String, AudioChunk> normalised = topics.audioNormalised.withName("bench.normalised." + suffix);
    Topic<String, DeadLetter> dead = topics.deadLetters.withName("bench.dead." + suffix);
    broker.createTopics(Map.of(raw.name(), partitions, normalised.name(), partitions, dead.name(),
        partitions));
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    Properties producerProperties = KafkaChunkSink.producerProperties(bootstrapServers);
    // the whole input at once is far more than a live producer has waiting: give the broker time
    producerProperties.put(org.apache.kafka.clients.producer.ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
        600_000);
    try (var producer = new KafkaProducer<>(producerProperties,
        raw.keySerde().serializer(), raw.valueSerde().serializer())) {
      for (AudioChunk chunk : chunks(c, chunks, feeds)) {
        sent.add(producer.send(new ProducerRecord<>(raw.name(), chunk.getStreamId(), chunk)));
      }
      producer.flush();
    }
    for (var f : sent) {
      f.get(); // a record the broker never took would leave the run waiting for it
    }
    StreamsBuilder builder = new StreamsBuilder();
    NormaliserCounters counters = new NormaliserCounters();
    NormaliserTopology.build(builder, raw, normalised, dead, counters);
    Path state = Files.createTempDirectory("normaliser-bench");
    Properties config = NormaliserConfig.properties(bootstrapServers, "normaliser-bench-" + suffix,
        state, threads);
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
      // the rate counts from a third of the chunks on: by then the JIT of both JVMs has done its
      // first work and the stream thread's tasks are assigned and restored
      long thirdAt = 0;
      long third = 0;
      while (counters.total() < chunks && System.nanoTime() < deadline) {
        if (thirdAt == 0 && counters.total() >= chunks / 3) {
          thirdAt = System.nanoTime();
          third = counters.total();
        }
        Thread.sleep(20);
      }
      long end = System.nanoTime();
      double rate = thirdAt == 0 || end == thirdAt ? Double.NaN
          : (counters.total() - third) / ((end - thirdAt) / 1e9);
      double carried = rate * CHUNK_MILLIS / 1000.0;
      out.printf(java.util.Locale.ROOT, "  %-34s %d chunks in %.2f s, %.0f chunks/s after the first"
              + " third = %.0f live feeds (%s) -> %d feeds %s%n", c.name(), counters.total(),
          (end - start) / 1e9, rate, carried, counters, feeds,
          carried >= feeds && counters.total() == chunks ? "carried" : "NOT carried");
      streams.close(Duration.ofSeconds(30));
    }
  }

  static List<AudioChunk> chunks(Case c, int count) {
    return chunks(c, count, FEEDS);
  }

  static List<AudioChunk> chunks(Case c, int count, int feedCount) {
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
      int feed = i % feedCount;
      long seq = i / feedCount;
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
