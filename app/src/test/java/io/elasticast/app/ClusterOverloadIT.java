package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.elasticast.featurizer.FeaturizerSettings;
import io.elasticast.featurizer.OfflineFeed;
import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Topic;
import io.elasticast.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chaos test "overload" (issue #18): the job on a real session cluster ({@link FlinkCluster}: a
 * JobManager and two TaskManagers of one slot each, each its own JVM) at parallelism 2, on an
 * embedded broker, exactly-once sink, events read with {@code read_committed}.
 *
 * <p><b>Fault:</b> input at about twice the job's sustained capacity for 2 minutes. The capacity is
 * measured first, in this test, on this machine, on a warm job: {@value #BACKLOG_FEEDS} feeds have
 * a backlog of {@value #WARMUP_CHUNKS} chunks (30 s each) on {@code audio.normalised} when the job
 * starts; once its windows are all out (JIT and ONNX Runtime warmed up: a cold job drains at about
 * half its warm rate here), the same feeds' next {@value #MEASURE_CHUNKS} chunks (45 s) are
 * produced at once, and the capacity is the rate (windows/s) at which their events become readable
 * between 10 % and 90 % of them, checkpoints and transactions included. Then as many live feeds
 * as make twice that rate ({@link #OVERLOAD_FACTOR}) each send one 100 ms chunk every 100 ms of
 * wall clock for 2 minutes ({@value #OVERLOAD_CHUNKS} chunks per feed, event time advancing with
 * the wall clock, a chunk sent when its 100 ms have passed), and then stop.
 *
 * <p>The chunks go straight to {@code audio.normalised}, normalised already (as {@link
 * FlinkClusterIT} sends them): the normaliser is a separate Kafka Streams service with its own
 * capacity, and in this test it would only take CPU from the job on a 2-core machine, so the
 * overload would no longer be the job's alone.
 *
 * <p><b>Counted and asserted:</b>
 *
 * <ul>
 *   <li>during the overload the REST API reports backpressure on the source vertex (level {@code
 *       high} at least once, and a back-pressured ratio of at least 0.2 in most samples of the last
 *       90 s of the overload), and the input waits in Kafka: the job's consumer group lags by at
 *       least 15 s of input when the input stops (at 2x for 2 minutes it would be 60 s; it read
 *       18-61 s here: the calibration on a backlog reads 0.6 to 1.3 times what the job runs under
 *       the live load, so the real overload varies from about 1.2x to 2.6x), and the offered rate
 *       is at least 1.14 times the rate at which events came out while it was offered (a second
 *       measure of the capacity, under the same conditions, to the same bar as
 *       the lag: 15 s of 120 s of input left waiting; a job that keeps up lags by under a second of
 *       input and fails both). The rate at which the lag drains afterwards is printed, not
 *       asserted: with the producer gone from this 2-core machine, and the job's queues full, it
 *       drains up to twice as fast as it ran during the overload;
 *   <li>the TaskManagers' heap stays bounded: {@code Status.JVM.Memory.Heap.Used}, sampled every
 *       3 s, stays below {@code Heap.Max} on both, and its floor (lowest sample) over the last 30 s
 *       of the overload is below 85 % of {@code Heap.Max};
 *   <li>the job never restarts: {@code numRestarts} stays 0, no entry in its exception history, it
 *       is RUNNING at the end;
 *   <li>lag recovers: within {@link #RECOVERY_BOUND} (240 s; the ideal, the overload's excess
 *       drained at capacity, is 120 s at 2x and about 190 s at the 2.6x that a high calibration
 *       makes; it took 13-90 s at 1.2-2x) of the input stopping, every window the featurizer
 *       cuts from the input (computed offline: the live feeds without their last open segments, the backlog
 *       feeds with the idle flush that the live feeds' event time triggers for them) is on the
 *       events topic, each exactly once (and none else, also after {@link #QUIET} more), the
 *       consumer group's lag is 0 and nothing is dead-lettered.
 * </ul>
 *
 * <p>It prints one {@code overload:} summary line (capacity, offered rate, peak heap / max,
 * backpressure, windows expected / received, recovery time), and a progress line every 15 s.
 * Bound: 9 minutes in all (3.5 to 6.5 here: 1 to set up and calibrate, 2 of overload, 0.5 to 3
 * to recover); a Flink process that exits fails it at once.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class ClusterOverloadIT {

  static final int PARTITIONS = 4;
  /** Distinct audio (seeded noise) the feeds take in turn. */
  static final int VARIANTS = 8;
  static final int BACKLOG_FEEDS = 40;
  /** The backlog on the topic when the job starts: it warms the job up. */
  static final int WARMUP_CHUNKS = 300;
  /** The backlog produced once the first is out: the capacity is its drain rate. */
  static final int MEASURE_CHUNKS = 450;
  /** 2 minutes of 100 ms chunks per live feed. */
  static final int OVERLOAD_CHUNKS = 1200;
  static final long CHUNK_MICROS = 100_000;
  static final double OVERLOAD_FACTOR = 2.0;
  /** Offered load is capped here (a machine far faster than expected would otherwise need more). */
  static final int MAX_FEEDS = 600;
  static final Duration CALIBRATION_BOUND = Duration.ofSeconds(120);
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(240);
  static final Duration QUIET = Duration.ofSeconds(5);
  static final long SAMPLE_MILLIS = 3_000;
  static final String NAME = "overload-it";

  @Test
  @Timeout(value = 9, unit = TimeUnit.MINUTES)
  void shouldBackPressureWithBoundedHeapAndLoseNothingAtTwiceTheCapacity(@TempDir Path tmp)
      throws Exception {
    long testStart = System.nanoTime();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(
        EmbeddedKafkaBroker.Options.defaults().defaultPartitions(PARTITIONS))) {
      broker.createTopics(BrokerCommand.pipelineTopics(PARTITIONS));
      String bootstrap = broker.bootstrapServers();
      Topics t = Topics.singleObject();
      JobConfig config = JobConfig.load(JobProcessFixtures.jobConfig(tmp, bootstrap, NAME));
      FeaturizerSettings settings = ElasticAstJob.featurizerSettings(config);
      List<List<AudioChunk>> variants = new ArrayList<>();
      for (int v = 0; v < VARIANTS; v++) {
        variants.add(AudioFixtures.chunks("variant-" + v, OVERLOAD_CHUNKS));
      }

      // the backlog: the last 75 s of 40 feeds; the first 30 s on the topic before the job starts
      int backlogChunks = WARMUP_CHUNKS + MEASURE_CHUNKS;
      long backlogBase = (System.currentTimeMillis() - backlogChunks * CHUNK_MICROS / 1000) * 1000;
      List<String> backlogFeeds = names("backlog-", BACKLOG_FEEDS);
      int warmupWindows = expected(settings, variants, backlogFeeds, WARMUP_CHUNKS, backlogBase)
          .accepted.size();
      Expected backlog = expected(settings, variants, backlogFeeds, backlogChunks, backlogBase);
      produceBacklog(bootstrap, t, variants, backlogFeeds, 0, WARMUP_CHUNKS, backlogBase);

      FlinkCluster cluster = FlinkCluster.start(FlinkCluster.Options.defaults().slotsPerTaskManager(1)
          // the REST API's metrics (heap, backpressure) are refreshed every 10 s by default
          .config("metrics.fetcher.update-interval", "2 s"));
      EventLog events = null;
      Monitor monitor = null;
      try {
        assertThat(cluster.registeredSlots()).isEqualTo(2);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
            "localhost", cluster.restPort(), new Configuration());
        ElasticAstJob.onKafka(config).build(env);
        JobClient job = env.executeAsync(ElasticAstJob.JOB_NAME);
        events = new EventLog(bootstrap, t.events);
        monitor = new Monitor(cluster, job.getJobID().toString(), bootstrap, config.topics.normalised,
            config.kafka.groupId, events);

        // ---- capacity: the drain rate of a backlog, once the job is warm
        assertThat(events.awaitCount(warmupWindows, System.nanoTime() + CALIBRATION_BOUND.toNanos(),
            cluster))
            .as("the warm-up backlog's %d windows within %s s (got %d)\n%s", warmupWindows,
                CALIBRATION_BOUND.toSeconds(), events.count(), cluster.logTails(30))
            .isPositive();
        monitor.phase("calibration");
        produceBacklog(bootstrap, t, variants, backlogFeeds, WARMUP_CHUNKS, backlogChunks, backlogBase);
        int backlogWindows = backlog.accepted.size();
        assertThat(events.awaitCount(backlogWindows, System.nanoTime() + CALIBRATION_BOUND.toNanos(),
            cluster))
            .as("the backlog's %d windows within %s s (got %d)\n%s", backlogWindows,
                CALIBRATION_BOUND.toSeconds(), events.count(), cluster.logTails(30))
            .isPositive();
        int measured = backlogWindows - warmupWindows;
        EventLog.Rate calibration = events.rate(warmupWindows + measured / 10,
            warmupWindows + measured * 9 / 10);
        assertThat(calibration.seconds()).as("capacity measured over %s", calibration)
            .isGreaterThanOrEqualTo(3.0);
        double capacity = calibration.perSecond();

        // ---- overload: live feeds at twice that rate, paced by the wall clock
        double windowsPerFeedSecond = expected(settings, variants, List.of("probe"), OVERLOAD_CHUNKS, 0)
            .accepted.size() / (OVERLOAD_CHUNKS * CHUNK_MICROS / 1e6);
        int feeds = (int) Math.min(MAX_FEEDS, Math.ceil(OVERLOAD_FACTOR * capacity / windowsPerFeedSecond));
        List<String> liveFeeds = names("live-", feeds);
        long liveBaseMillis = System.currentTimeMillis() + 3_000;
        Expected live = expected(settings, variants, liveFeeds, OVERLOAD_CHUNKS, liveBaseMillis * 1000);
        List<String> expected = new ArrayList<>(backlog.accepted);
        expected.addAll(backlog.flushed);
        expected.addAll(live.accepted);
        assertThat(new HashSet<>(expected)).as("expected windows are distinct").hasSize(expected.size());
        System.out.printf("overload: capacity %.1f windows/s (%s); %d live feeds x %.2f windows/s"
            + " = %.1f windows/s for %d s; %d windows expected in all%n", capacity, calibration, feeds,
            windowsPerFeedSecond, feeds * windowsPerFeedSecond, OVERLOAD_CHUNKS / 10, expected.size());

        Thread.sleep(Math.max(0, liveBaseMillis - System.currentTimeMillis()));
        monitor.phase("overload");
        int receivedAtStart = events.count();
        long t0 = System.nanoTime();
        long maxLateNanos = 0;
        try (ChunkProducer producer = new ChunkProducer(bootstrap, t.audioNormalised)) {
          for (int i = 0; i < OVERLOAD_CHUNKS; i++) {
            long wait = t0 + (i + 1) * CHUNK_MICROS * 1000 - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            } else {
              maxLateNanos = Math.max(maxLateNanos, -wait);
            }
            for (int f = 0; f < feeds; f++) {
              producer.send(chunk(variants.get(f % VARIANTS).get(i), liveFeeds.get(f), i,
                  liveBaseMillis * 1000 + i * CHUNK_MICROS));
            }
          }
          producer.flush();
          assertThat(producer.error.get()).as("producing the live feeds").isNull();
        }
        long stop = System.nanoTime();
        monitor.phase("recovery");
        double producedSeconds = (stop - t0) / 1e9;
        double offered = live.accepted.size() / producedSeconds;
        int receivedAtStop = events.count();
        double outDuring = (receivedAtStop - receivedAtStart) / producedSeconds;
        long lagAtStop = monitor.lagNow();

        // ---- recovery
        long recoveredAt = events.awaitCount(expected.size(), stop + RECOVERY_BOUND.toNanos(), cluster);
        double recoverySeconds = recoveredAt > 0 ? (recoveredAt - stop) / 1e9 : Double.NaN;
        Thread.sleep(QUIET.toMillis()); // anything more would be a duplicate or unexpected
        EventLog.Rate drain = events.rate(receivedAtStop + (expected.size() - receivedAtStop) / 10,
            receivedAtStop + (expected.size() - receivedAtStop) * 9 / 10);
        long lagAfter = monitor.awaitLag(0, Duration.ofSeconds(30));
        monitor.close();
        List<String> received = events.close();
        int deadLetters = KafkaClients.consume(bootstrap, t.deadLetters, "read_committed", 0,
            Duration.ofSeconds(2), Duration.ofSeconds(10)).size();
        JsonNode exceptions = Monitor.json(cluster.rest("/jobs/" + job.getJobID() + "/exceptions"));
        String state = Monitor.json(cluster.rest("/jobs/" + job.getJobID())).path("state").asText();

        // ---- what was seen
        Map<String, Integer> counts = new HashMap<>();
        received.forEach(k -> counts.merge(k, 1, Integer::sum));
        Set<String> expectedSet = new HashSet<>(expected);
        List<String> missing = expected.stream().filter(k -> !counts.containsKey(k)).toList();
        List<String> duplicated = counts.entrySet().stream().filter(e -> e.getValue() > 1)
            .map(Map.Entry::getKey).toList();
        List<String> unexpected = counts.keySet().stream().filter(k -> !expectedSet.contains(k)).toList();
        List<Monitor.Sample> samples = monitor.samples();
        List<Monitor.Sample> overload = samples.stream().filter(s -> s.phase.equals("overload")).toList();
        List<Monitor.Sample> loaded = samples.stream()
            .filter(s -> s.phase.equals("overload") || s.phase.equals("recovery")).toList();
        Map<String, double[]> heap = Monitor.peakHeap(loaded); // tm -> {peak used, max}
        double heapFloor = Monitor.heapFloor(overload, stop - TimeUnit.SECONDS.toNanos(30));
        List<Monitor.Sample> late = overload.stream()
            .filter(s -> s.nanos >= stop - TimeUnit.SECONDS.toNanos(90)).toList();
        long sourceHigh = overload.stream().filter(s -> "high".equals(s.level("source"))).count();
        long sourcePressed = late.stream().filter(s -> s.ratio("source") >= 0.2).count();
        double sourceMax = overload.stream().mapToDouble(s -> s.ratio("source")).max().orElse(Double.NaN);
        long maxRestarts = samples.stream().mapToLong(s -> s.restarts).max().orElse(-1);
        long peakLag = samples.stream().mapToLong(s -> s.lag).max().orElse(-1);
        double peakHeapMb = heap.values().stream().mapToDouble(h -> h[0]).max().orElse(Double.NaN) / 1e6;
        double heapMaxMb = heap.values().stream().mapToDouble(h -> h[1]).min().orElse(Double.NaN) / 1e6;

        System.out.println(monitor.vertexSummary(overload));
        System.out.println(monitor.checkpointSummary());
        System.out.println("overload: failed checkpoints by the end of each phase: "
            + Monitor.failedByPhase(samples) + "; the JobManager's log says: "
            + checkpointFailuresInLog(cluster));
        System.out.printf(java.util.Locale.ROOT, "overload: capacity %.1f windows/s, offered %.1f"
                + " windows/s (%.2fx, %d feeds, %.1f s, producer at most %d ms late), peak heap %.0f MB"
                + " / max %.0f MB (floor of the last 30 s %.0f MB), backpressure on the source %s"
                + " (high in %d of %d samples, max ratio %.2f), source lag at stop %d chunks (%.0f s of"
                + " input, peak %d), windows expected %d / received %d (missing %d, duplicated %d,"
                + " unexpected %d), out during the overload %.1f windows/s, recovery %.1f s (bound %d s,"
                + " ideal %.1f s, drain %.1f windows/s),"
                + " restarts %d, wall %.0f s%n",
            capacity, offered, offered / capacity, feeds, producedSeconds, maxLateNanos / 1_000_000,
            peakHeapMb, heapMaxMb, heapFloor / 1e6, sourceHigh > 0 ? "seen" : "NOT seen", sourceHigh,
            overload.size(), sourceMax, lagAtStop, lagAtStop / (feeds * 10.0), peakLag, expected.size(),
            received.size(), missing.size(), duplicated.size(), unexpected.size(), outDuring,
            recoverySeconds,
            RECOVERY_BOUND.toSeconds(), (expected.size() - receivedAtStop) / capacity,
            drain.perSecond(), maxRestarts, (System.nanoTime() - testStart) / 1e9);

        // ---- the test was an overload
        assertThat(offered / capacity).as("offered / capacity").isGreaterThanOrEqualTo(
            feeds == MAX_FEEDS ? 1.0 : 0.9 * OVERLOAD_FACTOR);
        // ---- backpressure, and the input waited in Kafka
        assertThat(overload).as("REST samples during the overload").hasSizeGreaterThanOrEqualTo(20);
        assertThat(sourceHigh).as("samples with the source vertex's backpressure level high")
            .isPositive();
        assertThat(sourcePressed).as("samples of the last 90 s of the overload (of %d) with the"
            + " source back-pressured >= 0.2 of the time", late.size())
            .isGreaterThanOrEqualTo((late.size() + 1) / 2);
        assertThat(lagAtStop).as("source lag when the input stopped (chunks)")
            .isGreaterThanOrEqualTo(feeds * 10L * 15);
        assertThat(offered / outDuring).as("offered / the rate events came out during the overload")
            .isGreaterThanOrEqualTo(1.14);
        // ---- bounded heap
        assertThat(heap).as("heap samples of both TaskManagers").hasSize(2);
        heap.forEach((tm, h) -> assertThat(h[0]).as("peak heap used of %s (max %.0f)", tm, h[1])
            .isLessThan(h[1]));
        assertThat(heapFloor).as("heap floor over the last 30 s of the overload (max %.0f MB)", heapMaxMb)
            .isLessThan(0.85 * heapMaxMb * 1e6);
        // ---- no restart
        assertThat(maxRestarts).as("numRestarts").isZero();
        assertThat(exceptions.path("exceptionHistory").isObject()).as("exception history: %s",
            exceptions).isTrue();
        assertThat(exceptions.path("exceptionHistory").path("entries").size()).as("exception history: %s",
            exceptions).isZero();
        assertThat(state).isEqualTo("RUNNING");
        // ---- lag recovered, nothing lost, nothing twice
        assertThat(missing).as("missing windows (%d, first 5)", missing.size()).isEmpty();
        assertThat(duplicated).as("duplicated windows").isEmpty();
        assertThat(unexpected).as("unexpected windows").isEmpty();
        assertThat(received).hasSize(expected.size());
        assertThat(recoverySeconds).as("seconds from the input stopping to the last window")
            .isLessThanOrEqualTo(RECOVERY_BOUND.toSeconds());
        assertThat(lagAfter).as("consumer group lag after the recovery").isZero();
        assertThat(deadLetters).as("dead letters").isZero();
        job.cancel().get(60, TimeUnit.SECONDS);
      } finally {
        if (monitor != null) {
          monitor.close();
        }
        if (events != null) {
          events.stop();
        }
        cluster.close();
      }
    }
  }

  /** Distinct lines (without their time stamps, at most 3) of the JobManager's log on failed checkpoints. */
  static List<String> checkpointFailuresInLog(FlinkCluster cluster) {
    try {
      return java.nio.file.Files.readAllLines(cluster.workDir().resolve("log").resolve("jobmanager.log"),
              java.nio.charset.StandardCharsets.ISO_8859_1).stream()
          .filter(l -> l.contains("heckpoint") && (l.contains("ailed") || l.contains("eclined")
              || l.contains("xpired")))
          .map(l -> l.length() > 24 ? l.substring(24) : l)
          .map(l -> l.replaceAll("\\d+", "N"))
          .map(l -> l.length() > 260 ? l.substring(0, 260) : l)
          .distinct().limit(3).toList();
    } catch (java.io.IOException e) {
      return List.of("(no log: " + e.getMessage() + ")");
    }
  }

  // ---- input and what it must give ------------------------------------------------------------

  /** Chunks {@code from} to {@code to} of the backlog feeds, interleaved, produced at once. */
  static void produceBacklog(String bootstrap, Topics t, List<List<AudioChunk>> variants,
      List<String> feeds, int from, int to, long baseMicros) {
    try (ChunkProducer producer = new ChunkProducer(bootstrap, t.audioNormalised)) {
      for (int i = from; i < to; i++) {
        for (int f = 0; f < feeds.size(); f++) {
          producer.send(chunk(variants.get(f % VARIANTS).get(i), feeds.get(f), i,
              baseMicros + i * CHUNK_MICROS));
        }
      }
      producer.flush();
      assertThat(producer.error.get()).as("producing the backlog").isNull();
    }
  }

  static List<String> names(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  /** Chunk {@code seq} of a feed: a variant's audio under the feed's id and event time. */
  static AudioChunk chunk(AudioChunk audio, String stream, long seq, long startMicros) {
    return AudioChunk.newBuilder()
        .setStreamId(stream)
        .setSequenceNumber(seq)
        .setEventTimeStartMicros(startMicros)
        .setSampleRate(audio.getSampleRate())
        .setChannels(audio.getChannels())
        .setEncoding(audio.getEncoding())
        .setPayload(audio.getPayload().duplicate())
        .setSourceMetadata(null)
        .build();
  }

  /**
   * The window keys of feeds sending chunks 0 to {@code chunks} of their variant (feed {@code i}
   * takes variant {@code i % VARIANTS}) from {@code baseMicros} on: {@code accepted}, those cut as
   * the chunks arrive, and {@code flushed}, those the idle flush adds (the last open segments).
   */
  record Expected(List<String> accepted, List<String> flushed) {}

  static Expected expected(FeaturizerSettings settings, List<List<AudioChunk>> variants,
      List<String> feeds, int chunks, long baseMicros) {
    List<List<String>> accepted = new ArrayList<>();
    List<List<String>> flushed = new ArrayList<>();
    for (int v = 0; v < Math.min(VARIANTS, feeds.size()); v++) {
      List<String> a = new ArrayList<>();
      List<String> f = new ArrayList<>();
      OfflineFeed probe = new OfflineFeed("probe", settings);
      for (int i = 0; i < chunks; i++) {
        probe.accept(chunk(variants.get(v).get(i), "probe", i, baseMicros + i * CHUNK_MICROS),
            w -> a.add(suffix(w)));
      }
      probe.flush(w -> f.add(suffix(w)));
      accepted.add(a);
      flushed.add(f);
    }
    List<String> allAccepted = new ArrayList<>();
    List<String> allFlushed = new ArrayList<>();
    for (int i = 0; i < feeds.size(); i++) {
      String feed = feeds.get(i);
      accepted.get(i % VARIANTS).forEach(s -> allAccepted.add(feed + s));
      flushed.get(i % VARIANTS).forEach(s -> allFlushed.add(feed + s));
    }
    return new Expected(allAccepted, allFlushed);
  }

  /** {@link EndToEndContract#key} without the stream id. */
  static String suffix(SpectrogramWindow w) {
    return EndToEndContract.key("", w.startMicros, w.endMicros, w.frameShiftMs, w.frames);
  }

  /** An idempotent producer of chunks keyed by feed; remembers the first failed send. */
  static final class ChunkProducer implements AutoCloseable {
    final KafkaProducer<String, AudioChunk> producer;
    final String topic;
    final AtomicReference<Exception> error = new AtomicReference<>();

    ChunkProducer(String bootstrap, Topic<String, AudioChunk> topic) {
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
      p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
      p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
      this.topic = topic.name();
      this.producer = new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    void send(AudioChunk c) {
      producer.send(new ProducerRecord<>(topic, c.getStreamId(), c), (m, e) -> {
        if (e != null) {
          error.compareAndSet(null, e);
        }
      });
    }

    void flush() {
      producer.flush();
    }

    @Override
    public void close() {
      producer.close(Duration.ofSeconds(30));
    }
  }

  // ---- the events topic -----------------------------------------------------------------------

  /** Reads the events topic (read_committed) from the start on a thread of its own. */
  static final class EventLog {
    private final List<String> keys = Collections.synchronizedList(new ArrayList<>());
    /** {nanoTime, events so far} at each poll that brought some. */
    private final List<long[]> timeline = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile int count;
    private volatile Throwable failure;

    record Rate(int events, double seconds) {
      double perSecond() {
        return events / seconds;
      }

      @Override
      public String toString() {
        return String.format(java.util.Locale.ROOT, "%d windows in %.1f s", events, seconds);
      }
    }

    EventLog(String bootstrap, Topic<String, ClassificationEvent> topic) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
      thread = new Thread(() -> {
        try (KafkaConsumer<String, ClassificationEvent> consumer = new KafkaConsumer<>(p,
            topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
          consumer.subscribe(List.of(topic.name()));
          while (!stop) {
            var records = consumer.poll(Duration.ofMillis(200));
            if (records.isEmpty()) {
              continue;
            }
            for (ConsumerRecord<String, ClassificationEvent> r : records) {
              ClassificationEvent e = r.value();
              keys.add(EndToEndContract.key(e.getStreamId(), e.getWindowStartMicros(),
                  e.getWindowEndMicros(), e.getFrameShiftMs(), e.getFrames()));
            }
            count += records.count();
            timeline.add(new long[] {System.nanoTime(), count});
          }
        } catch (Throwable e) {
          failure = e;
        }
      }, "overload-events");
      thread.setDaemon(true);
      thread.start();
    }

    int count() {
      return count;
    }

    /**
     * When {@code n} events had been read (nanoTime), waiting until {@code deadline}; -1: not by
     * then. Fails at once when a process of {@code cluster} exits (nothing more would come).
     */
    long awaitCount(int n, long deadline, FlinkCluster cluster) throws InterruptedException {
      while (count < n && System.nanoTime() < deadline && failure == null) {
        List<Process> flink = new ArrayList<>(cluster.taskManagers());
        flink.add(cluster.jobManager());
        if (!flink.stream().allMatch(Process::isAlive)) {
          throw new AssertionError("a Flink process exited while waiting for " + n + " events ("
              + count + " so far)\n" + cluster.logTails(20));
        }
        Thread.sleep(100);
      }
      for (long[] point : timeline) {
        if (point[1] >= n) {
          return point[0];
        }
      }
      return -1;
    }

    /** Events per second between the polls that reached {@code from} and {@code to} events. */
    Rate rate(int from, int to) {
      long[] a = null;
      long[] b = null;
      for (long[] point : timeline) {
        if (a == null && point[1] >= from) {
          a = point;
        }
        if (b == null && point[1] >= to) {
          b = point;
        }
      }
      if (a == null || b == null || b[0] <= a[0]) {
        return new Rate(0, 0);
      }
      return new Rate((int) (b[1] - a[1]), (b[0] - a[0]) / 1e9);
    }

    /** Stops reading (waits for the thread). */
    void stop() throws InterruptedException {
      stop = true;
      thread.join(30_000);
    }

    /** Stops reading; every event key read. */
    List<String> close() throws InterruptedException {
      stop();
      assertThat(failure).as("reading the events topic").isNull();
      synchronized (keys) {
        return List.copyOf(keys);
      }
    }
  }

  // ---- the REST API and the consumer group ----------------------------------------------------

  /**
   * Every {@value #SAMPLE_MILLIS} ms: each TaskManager's heap, each vertex's backpressure, the
   * job's restarts and checkpoints (REST API), and the job's consumer group lag (Kafka admin).
   */
  static final class Monitor {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One vertex's backpressure: level (ok / low / high) and the highest ratios of its subtasks. */
    record Pressure(String level, double ratio, double busy) {}

    static final class Sample {
      final long nanos;
      final String phase;
      final Map<String, double[]> heap = new LinkedHashMap<>(); // tm id -> {used, max}
      final Map<String, Pressure> pressure = new LinkedHashMap<>(); // vertex -> pressure
      long restarts = -1;
      long lag = -1;
      long failedCheckpoints = -1;

      Sample(long nanos, String phase) {
        this.nanos = nanos;
        this.phase = phase;
      }

      String level(String vertex) {
        Pressure p = pressure.get(vertex);
        return p == null ? null : p.level;
      }

      double ratio(String vertex) {
        Pressure p = pressure.get(vertex);
        return p == null ? 0 : p.ratio;
      }
    }

    private final FlinkCluster cluster;
    private final String jobId;
    private final String topic;
    private final String group;
    private final EventLog events;
    private final Admin admin;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "overload-monitor");
      t.setDaemon(true);
      return t;
    });
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final Map<String, String> vertices = new LinkedHashMap<>(); // id -> short name
    private final long start = System.nanoTime();
    private volatile String phase = "warm-up";
    /** Distinct failure messages of failed checkpoints (from the checkpoint history). */
    private final Set<String> checkpointFailures = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile JsonNode checkpoints;
    private boolean closed;

    Monitor(FlinkCluster cluster, String jobId, String bootstrap, String topic, String group,
        EventLog events) {
      this.cluster = cluster;
      this.jobId = jobId;
      this.topic = topic;
      this.group = group;
      this.events = events;
      this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
      timer.scheduleWithFixedDelay(this::sample, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    void phase(String phase) {
      this.phase = phase;
    }

    List<Sample> samples() {
      return List.copyOf(samples);
    }

    static JsonNode json(String body) {
      try {
        return body.isEmpty() ? MissingNode.getInstance() : JSON.readTree(body);
      } catch (Exception e) {
        return MissingNode.getInstance();
      }
    }

    private void sample() {
      try {
        Sample s = new Sample(System.nanoTime(), phase);
        if (vertices.isEmpty()) {
          for (JsonNode v : json(cluster.rest("/jobs/" + jobId)).path("vertices")) {
            vertices.put(v.path("id").asText(), shortName(v.path("name").asText()));
          }
        }
        for (JsonNode tm : json(cluster.rest("/taskmanagers")).path("taskmanagers")) {
          String id = tm.path("id").asText();
          double used = Double.NaN;
          double max = Double.NaN;
          for (JsonNode m : json(cluster.rest("/taskmanagers/" + id
              + "/metrics?get=Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max"))) {
            double value = Double.parseDouble(m.path("value").asText("NaN"));
            if (m.path("id").asText().endsWith("Used")) {
              used = value;
            } else {
              max = value;
            }
          }
          if (!Double.isNaN(used) && !Double.isNaN(max)) {
            s.heap.put(id, new double[] {used, max});
          }
        }
        vertices.forEach((id, name) -> {
          JsonNode bp = json(cluster.rest("/jobs/" + jobId + "/vertices/" + id + "/backpressure"));
          if (bp.path("status").asText().equals("ok")) {
            double ratio = 0;
            double busy = 0;
            for (JsonNode sub : bp.path("subtasks")) {
              ratio = Math.max(ratio, sub.path("ratio").asDouble());
              busy = Math.max(busy, sub.path("busyRatio").asDouble());
            }
            s.pressure.put(name, new Pressure(bp.path("backpressureLevel").asText(), ratio, busy));
          }
        });
        for (JsonNode m : json(cluster.rest("/jobs/" + jobId + "/metrics?get=numRestarts"))) {
          s.restarts = (long) Double.parseDouble(m.path("value").asText("-1"));
        }
        JsonNode cp = json(cluster.rest("/jobs/" + jobId + "/checkpoints"));
        if (!cp.isMissingNode()) {
          checkpoints = cp;
          s.failedCheckpoints = cp.path("counts").path("failed").asLong(-1);
          for (JsonNode h : cp.path("history")) {
            if (h.path("status").asText().equals("FAILED")) {
              String m = h.path("failure_message").asText("?");
              checkpointFailures.add(m.length() > 160 ? m.substring(0, 160) : m);
            }
          }
        }
        s.lag = lagNow();
        samples.add(s);
        if (samples.size() % 5 == 1) {
          System.out.println(progress(s));
        }
      } catch (Exception e) {
        System.out.println("overload monitor: " + e);
      }
    }

    private String progress(Sample s) {
      StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
          "overload +%3.0fs %-11s events %6d lag %6d heap", (s.nanos - start) / 1e9, s.phase,
          events.count(), s.lag));
      s.heap.values().forEach(h -> sb.append(String.format(" %.0f/%.0fMB", h[0] / 1e6, h[1] / 1e6)));
      s.pressure.forEach((v, p) -> sb.append(String.format(java.util.Locale.ROOT,
          " %s:%s/%.2f/busy%.2f", v, p.level, p.ratio, p.busy)));
      sb.append(" restarts ").append(s.restarts);
      return sb.toString();
    }

    static String shortName(String name) {
      for (String known : List.of("normalised-chunks:source", "fbank-windows:fbank",
          "pack-and-infer:infer", "dead-letters:dlq", "incidents:incidents")) {
        String[] kv = known.split(":");
        if (name.contains(kv[0])) {
          return kv[1];
        }
      }
      return name.length() > 16 ? name.substring(0, 16) : name;
    }

    /** Records of the input topic the job's consumer group has not committed; -1 when unknown. */
    long lagNow() {
      try {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
          latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long lag = 0;
        for (var e : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
          OffsetAndMetadata c = committed.get(e.getKey());
          lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
      } catch (Exception e) {
        return -1;
      }
    }

    /** The lag once it is at most {@code lag}, or the last seen after {@code timeout}. */
    long awaitLag(long lag, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      long now = lagNow();
      while ((now < 0 || now > lag) && System.nanoTime() < deadline) {
        Thread.sleep(500);
        now = lagNow();
      }
      return now;
    }

    /** TaskManager → {highest heap used, heap max} over {@code samples}. */
    static Map<String, double[]> peakHeap(List<Sample> samples) {
      Map<String, double[]> out = new LinkedHashMap<>();
      for (Sample s : samples) {
        s.heap.forEach((tm, h) -> out.merge(tm, h.clone(),
            (a, b) -> new double[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])}));
      }
      return out;
    }

    /** The highest, over the TaskManagers, of the lowest heap used in samples from {@code since}. */
    static double heapFloor(List<Sample> samples, long since) {
      Map<String, Double> floor = new HashMap<>();
      samples.stream().filter(s -> s.nanos >= since)
          .forEach(s -> s.heap.forEach((tm, h) -> floor.merge(tm, h[0], Math::min)));
      return floor.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** Phase → failed checkpoints counted by its last sample. */
    static Map<String, Long> failedByPhase(List<Sample> samples) {
      Map<String, Long> out = new LinkedHashMap<>();
      samples.stream().filter(s -> s.failedCheckpoints >= 0)
          .forEach(s -> out.put(s.phase, s.failedCheckpoints));
      return out;
    }

    String vertexSummary(List<Sample> samples) {
      StringBuilder sb = new StringBuilder("overload: vertices during the overload (highest"
          + " back-pressured / busy ratio, samples at level high):");
      for (String v : vertices.values()) {
        double ratio = samples.stream().mapToDouble(s -> s.ratio(v)).max().orElse(0);
        double busy = samples.stream().map(s -> s.pressure.get(v)).filter(p -> p != null)
            .mapToDouble(Pressure::busy).max().orElse(0);
        long high = samples.stream().filter(s -> "high".equals(s.level(v))).count();
        sb.append(String.format(java.util.Locale.ROOT, " %s %.2f/%.2f/%d", v, ratio, busy, high));
      }
      return sb.toString();
    }

    String checkpointSummary() {
      JsonNode cp = checkpoints;
      if (cp == null) {
        return "overload: no checkpoint statistics";
      }
      JsonNode counts = cp.path("counts");
      JsonNode duration = cp.path("summary").path("end_to_end_duration");
      return String.format(java.util.Locale.ROOT, "overload: checkpoints completed %d, failed %d,"
              + " end-to-end duration avg %.1f s / max %.1f s",
          counts.path("completed").asLong(), counts.path("failed").asLong(),
          duration.path("avg").asDouble() / 1000, duration.path("max").asDouble() / 1000)
          + (checkpointFailures.isEmpty() ? "" : "; failures seen: " + checkpointFailures);
    }

    synchronized void close() throws InterruptedException {
      if (closed) {
        return;
      }
      closed = true;
      timer.shutdown();
      timer.awaitTermination(30, TimeUnit.SECONDS);
      admin.close(Duration.ofSeconds(10));
    }
  }
}
