package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.featurizer.FeaturizerSettings;
import io.elasticast.featurizer.OfflineFeed;
import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.ingest.IngestRunner;
import io.elasticast.ingest.KafkaChunkSink;
import io.elasticast.ingest.Ticker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import io.elasticast.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole pipeline on a real broker (embedded here, a container in the twin): known clips → ingest (no pacing) → normaliser → job in a
 * MiniCluster → events read back with read_committed. Every window the featurizer cuts from the
 * normalised chunks must come out as exactly one event, also when the job is killed in the
 * middle and restored from its last checkpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EndToEndContract {

  /** Three feeds per clip: enough work that the restore test can kill the job mid-run. */
  static final int FEEDS = 3 * DemoCommand.DEMO_CLIPS.size();

  static LocalPipeline pipeline;
  static Path clips;
  /** The normalised chunks the job reads, by stream, in sequence order. */
  static Map<String, List<AudioChunk>> normalised;

  /** The pipeline's broker and topics. */
  abstract LocalPipeline startPipeline();

  /** Stops what {@link #startPipeline} started besides the pipeline. */
  void stopBroker() {}

  @BeforeAll
  void ingestKnownClips() throws Exception {
    pipeline = startPipeline().startNormaliser(LocalPipeline.quiet());
    clips = DemoCommand.extractDemoAudio(pipeline.workDir().resolve("clips"));
    // A backfill may wait for a busy broker: give sends longer than the live default of 60 s.
    var producer = KafkaChunkSink.producerProperties(pipeline.bootstrapServers());
    producer.put("delivery.timeout.ms", 300_000);
    producer.put("max.block.ms", 120_000);
    // A retried batch may not be overtaken, so the broker can always recognise it as a duplicate.
    producer.put("max.in.flight.requests.per.connection", 1);
    try (KafkaChunkSink sink = new KafkaChunkSink(producer, pipeline.topics().audioRaw)) {
      IngestRunner ingest = new IngestRunner(
          new IngestRunner.Options(List.of(clips.toString()), FEEDS, false, false,
              IngestRunner.DEFAULT_CHUNK_MILLIS, null, null),
          sink, Ticker.system(), Clock.systemUTC(), System.err, false);
      assertThat(ingest.run()).as("ingest exit code (its summary and errors are on stderr)").isZero();
    }
    long rawChunks = KafkaClients.consume(pipeline.bootstrapServers(), pipeline.topics().audioRaw,
        "read_committed", 1, Duration.ofMillis(500), Duration.ofSeconds(30)).size();
    var records = KafkaClients.consume(pipeline.bootstrapServers(), pipeline.topics().audioNormalised,
        "read_committed", (int) rawChunks, Duration.ofMillis(500), Duration.ofSeconds(90));
    assertThat(records).as("every raw chunk normalised").hasSize((int) rawChunks);
    normalised = new HashMap<>();
    for (var r : records) {
      normalised.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
    }
    normalised.values().forEach(l -> l.sort(Comparator.comparingLong(AudioChunk::getSequenceNumber)));
    assertThat(normalised.keySet()).hasSize(FEEDS);
  }

  @AfterAll
  void stop() {
    if (pipeline != null) {
      pipeline.close();
    }
    stopBroker();
  }

  @Test
  void shouldEmitExactlyOneEventPerWindowAndLabelNativeSegmentsCorrectly() throws Exception {
    String events = "e2e-events";
    JobConfig config = jobConfig(events);
    runToEnd(config, new Configuration());

    List<ClassificationEvent> got = readEvents(events);
    assertThat(windowKeys(got)).containsExactlyInAnyOrderElementsOf(expectedWindowKeys(config));
    assertNativeSegmentsMostlyCorrect(got, config);
    List<Incident> incidents = readIncidents(config.topics.incidents);
    assertThat(incidents).as("incidents of " + FEEDS + " feeds of labelled clips").isNotEmpty();
    assertEveryIncidentOpensAndClosesOnce(incidents, readIncidents(config.topics.alerts), config);
  }

  /**
   * Kill in the middle, restore from the last retained checkpoint. The job reads the same
   * normalised chunks through a rate-limited, checkpointable replay source instead of a bounded
   * KafkaSource: a bounded KafkaSource restored from a checkpoint never finishes (FLINK-31006: the
   * restored enumerator never sends NoMoreSplits; the fix is open upstream). The live job's
   * KafkaSource is unbounded, so only this test meets that; the rate limit keeps the job running
   * until it is killed.
   */
  @Test
  void shouldStillEmitExactlyOneEventPerWindowAfterAKillAndRestoreFromCheckpoint() throws Exception {
    String events = "e2e-events-restored";
    JobConfig config = jobConfig(events);
    config.parallelism = 1; // one replay reader keeps every feed's chunks in order
    Path checkpoints = pipeline.workDir().resolve("checkpoints-" + events);
    config.checkpoints.storage = checkpoints.toUri().toString();
    Configuration retain = new Configuration();
    retain.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    List<String> expected = expectedWindowKeys(config);

    // Run until a checkpoint has committed some events, then kill the job.
    pipeline.startJob(new ElasticAstJob(config, ReplaySource.of(normalised, 150), sinkOf(config, events),
        incidentSinkOf(config, config.topics.incidents), incidentSinkOf(config, config.topics.alerts),
        dlqOf(config)), withNoRestarts(retain));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    int committed = 0;
    while (committed == 0 && System.nanoTime() < deadline) {
      committed = readEvents(events, 1, Duration.ofMillis(200), Duration.ofSeconds(2)).size();
    }
    assertThat(committed).as("events committed before the kill").isPositive();
    assertThat(pipeline.job().getJobStatus().get().isGloballyTerminalState())
        .as("the job must still be running when it is killed").isFalse();
    pipeline.cancelJob();
    int beforeRestore = readEvents(events, 1, Duration.ofMillis(500), Duration.ofSeconds(5)).size();
    assertThat(beforeRestore).as("killed in the middle").isLessThan(expected.size());
    Path last = latestCheckpoint(checkpoints).orElseThrow(() ->
        new AssertionError("no retained checkpoint under " + checkpoints));

    // Restore from the last checkpoint and run to the end of the input.
    Configuration restore = withNoRestarts(retain);
    restore.set(StateRecoveryOptions.SAVEPOINT_PATH, last.toUri().toString());
    var job = pipeline.startJob(new ElasticAstJob(config, ReplaySource.of(normalised, 150),
        sinkOf(config, events), incidentSinkOf(config, config.topics.incidents),
        incidentSinkOf(config, config.topics.alerts), dlqOf(config)), restore);
    job.getJobExecutionResult().get(5, TimeUnit.MINUTES);

    List<ClassificationEvent> got = readEvents(events);
    System.out.printf("kill/restore: %d events committed before the kill, %d after restore from %s%n",
        beforeRestore, got.size(), last.getFileName());
    assertThat(got).hasSize(expected.size());
    assertThat(windowKeys(got)).containsExactlyInAnyOrderElementsOf(expected);
    // incident state came back with the checkpoint: none repeated, none left open
    assertEveryIncidentOpensAndClosesOnce(readIncidents(config.topics.incidents),
        readIncidents(config.topics.alerts), config);
  }

  // ---- the job -------------------------------------------------------------------------------

  static JobConfig jobConfig(String eventsTopic) {
    JobConfig c = pipeline.jobConfig(JobConfig.defaults());
    c.topics.events = eventsTopic;
    c.topics.incidents = eventsTopic + "-incidents";
    c.topics.alerts = eventsTopic + "-alerts";
    c.checkpoints.intervalMs = 500;
    c.sink.transactionalIdPrefix = "e2e-" + eventsTopic;
    c.kafka.groupId = "e2e-" + eventsTopic;
    c.inference.modelDir = Path.of("..", "model", "artifacts").toAbsolutePath().toString();
    c.parallelism = 2;
    return c.validate();
  }

  static KafkaSource<io.elasticast.featurizer.SourcedChunk> boundedSource() {
    return KafkaSource.<io.elasticast.featurizer.SourcedChunk>builder()
        .setBootstrapServers(pipeline.bootstrapServers())
        .setTopics(Topics.AUDIO_NORMALISED_NAME)
        .setGroupId("e2e-" + System.nanoTime())
        .setProperty("isolation.level", "read_committed")
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setBounded(OffsetsInitializer.latest())
        .setDeserializer(new io.elasticast.app.flink.SourcedChunkDeserializer(
            io.elasticast.schemas.EventTimeBounds.defaults()))
        .build();
  }

  static org.apache.flink.connector.kafka.sink.KafkaSink<ClassificationEvent> sinkOf(JobConfig c, String topic) {
    ElasticAstJob.createMissingTopics(c, java.util.List.of(topic));
    return ElasticAstJob.kafkaSink(c, c.sink.transactionalIdPrefix, topic, ClassificationEvent.class, ClassificationEvent::getStreamId, topic);
  }

  static org.apache.flink.connector.kafka.sink.KafkaSink<Incident> incidentSinkOf(JobConfig c, String topic) {
    ElasticAstJob.createMissingTopics(c, java.util.List.of(topic));
    return ElasticAstJob.kafkaSink(c, c.sink.transactionalIdPrefix, topic, Incident.class, Incident::getStreamId, topic);
  }

  static org.apache.flink.connector.kafka.sink.KafkaSink<DeadLetter> dlqOf(JobConfig c) {
    ElasticAstJob.createMissingTopics(c, java.util.List.of(c.topics.deadLetters));
    return ElasticAstJob.kafkaSink(c, c.sink.transactionalIdPrefix, c.topics.deadLetters, DeadLetter.class, ElasticAstJob::deadLetterKey, "dlq");
  }

  static Configuration withNoRestarts(Configuration base) {
    Configuration c = new Configuration(base);
    c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    return c;
  }

  static void runToEnd(JobConfig config, Configuration conf) throws Exception {
    var job = pipeline.startJob(new ElasticAstJob(config, boundedSource(), sinkOf(config, config.topics.events),
        incidentSinkOf(config, config.topics.incidents), incidentSinkOf(config, config.topics.alerts),
        dlqOf(config)), withNoRestarts(conf));
    job.getJobExecutionResult().get(5, TimeUnit.MINUTES);
  }

  static Optional<Path> latestCheckpoint(Path root) throws Exception {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(Path::getParent)
          .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(4))));
    }
  }

  // ---- expectations --------------------------------------------------------------------------

  static List<ClassificationEvent> readEvents(String topic) {
    return readEvents(topic, Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ofSeconds(20));
  }

  static List<ClassificationEvent> readEvents(String topic, int expected, Duration quiet, Duration deadline) {
    Topics topics = Topics.singleObject();
    return KafkaClients.consume(pipeline.bootstrapServers(), topics.events.withName(topic),
        "read_committed", expected, quiet, deadline).stream().map(ConsumerRecord::value).toList();
  }

  /** Read after the job has ended: everything is committed, so 3 s without a new record is the end. */
  static List<Incident> readIncidents(String topic) {
    return KafkaClients.consume(pipeline.bootstrapServers(), Topics.singleObject().incidents.withName(topic),
        "read_committed", 1, Duration.ofSeconds(3), Duration.ofSeconds(30)).stream()
        .map(ConsumerRecord::value).toList();
  }

  /**
   * The input ends, so every feed falls silent and every incident closes: each has exactly one
   * OPEN first and one CLOSED last (UPDATEs between), in its feed's partition order; the alerts
   * are exactly the OPEN and CLOSED records of the watched labels.
   */
  static void assertEveryIncidentOpensAndClosesOnce(List<Incident> incidents, List<Incident> alerts,
      JobConfig config) {
    Map<String, List<IncidentState>> byId = new java.util.LinkedHashMap<>();
    incidents.forEach(i -> byId.computeIfAbsent(i.getIncidentId(), k -> new ArrayList<>()).add(i.getState()));
    System.out.printf("incidents: %d (%d records), alerts: %d records%n", byId.size(), incidents.size(),
        alerts.size());
    byId.forEach((id, states) -> {
      assertThat(states).as(id).startsWith(IncidentState.OPEN).endsWith(IncidentState.CLOSED);
      assertThat(states.subList(1, states.size() - 1)).as(id).isSubsetOf(IncidentState.UPDATE);
    });
    List<Incident> watched = incidents.stream()
        .filter(i -> config.alerts.labels.contains(i.getLabel()) && i.getState() != IncidentState.UPDATE)
        .toList();
    assertThat(alerts).containsExactlyInAnyOrderElementsOf(watched);
  }

  /** What identifies a window in an event: feed, event-time span, resolution and length. */
  static String key(String stream, long start, long end, int shift, int frames) {
    return stream + " [" + start + "," + end + ") @" + shift + "ms x" + frames;
  }

  static List<String> windowKeys(List<ClassificationEvent> events) {
    return events.stream().map(e -> key(e.getStreamId(), e.getWindowStartMicros(),
        e.getWindowEndMicros(), e.getFrameShiftMs(), e.getFrames())).toList();
  }

  /** The windows the featurizer cuts from the normalised chunks, run offline feed by feed. */
  static List<SpectrogramWindow> expectedWindows(JobConfig config) {
    return expectedWindows(config, normalised);
  }

  /** The same for the given feeds' normalised chunks (each feed's in sequence order). */
  static List<SpectrogramWindow> expectedWindows(JobConfig config,
      Map<String, List<AudioChunk>> normalised) {
    FeaturizerSettings settings = ElasticAstJob.featurizerSettings(config);
    List<SpectrogramWindow> windows = new ArrayList<>();
    normalised.forEach((stream, chunks) -> {
      OfflineFeed f = new OfflineFeed(stream, settings);
      for (AudioChunk c : chunks) {
        f.accept(c, windows::add);
      }
      f.flush(windows::add);
    });
    return windows;
  }

  static List<String> expectedWindowKeys(JobConfig config) {
    return expectedWindowKeys(config, normalised);
  }

  static List<String> expectedWindowKeys(JobConfig config, Map<String, List<AudioChunk>> normalised) {
    return expectedWindows(config, normalised).stream()
        .map(w -> key(w.streamId, w.startMicros, w.endMicros, w.frameShiftMs, w.frames)).toList();
  }

  static float[] floats(AudioChunk c) {
    ByteBuffer b = c.getPayload().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  /**
   * Share of native-length windows whose top label is one of their clip's labels. The bundled clips
   * are real recordings (11 clips, each played by 3 feeds) that the shipped model mostly labels
   * right (model/README.md says which it misses). A broken feature or packing path scores about 0.1.
   */
  static final double MIN_NATIVE_ACCURACY = 0.75;

  /** Native-length windows (segment policy) of each clip mostly carry the clip's class. */
  static void assertNativeSegmentsMostlyCorrect(List<ClassificationEvent> events, JobConfig config) {
    Map<String, String> segmentKeys = new HashMap<>();
    for (SpectrogramWindow w : expectedWindows(config)) {
      if (w.policy.startsWith("segment")) {
        segmentKeys.put(key(w.streamId, w.startMicros, w.endMicros, w.frameShiftMs, w.frames), w.streamId);
      }
    }
    int total = 0;
    int correct = 0;
    for (ClassificationEvent e : events) {
      String k = key(e.getStreamId(), e.getWindowStartMicros(), e.getWindowEndMicros(),
          e.getFrameShiftMs(), e.getFrames());
      String clip = segmentKeys.get(k);
      if (clip != null) {
        total++;
        if (DemoCommand.clipLabels(clip).contains(e.getTopK().get(0).getLabel())) {
          correct++;
        }
      }
    }
    System.out.printf("native-length segments: %d/%d correct%n", correct, total);
    assertThat(total).as("native-length segments").isGreaterThanOrEqualTo(FEEDS);
    assertThat(correct).as("correct native-length labels of " + total).isGreaterThanOrEqualTo((int) Math.ceil(MIN_NATIVE_ACCURACY * total));
  }
}
