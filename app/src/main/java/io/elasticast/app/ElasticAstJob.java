package io.elasticast.app;

import io.elasticast.app.flink.AvroRecordSerializer;
import io.elasticast.app.flink.SourcedChunkDeserializer;
import io.elasticast.featurizer.ChunkAdmission;
import io.elasticast.featurizer.ChunkGate;
import io.elasticast.featurizer.FbankWindowFunction;
import io.elasticast.featurizer.FeaturizerSettings;
import io.elasticast.featurizer.FeaturizerStage;
import io.elasticast.featurizer.FeedChunk;
import io.elasticast.featurizer.SourcedChunk;
import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.featurizer.WindowPolicy;
import io.elasticast.inference.InferenceSettings;
import io.elasticast.inference.PackAndInferOperator;
import io.elasticast.inference.Patchifier;
import io.elasticast.inference.RejectedWindow;
import io.elasticast.inference.incidents.IncidentFunction;
import io.elasticast.inference.incidents.IncidentSettings;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.DeadLetters;
import io.elasticast.schemas.EventTimeBounds;
import io.elasticast.schemas.Incident;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The pipeline: normalised chunks → an entry check (bad records become dead letters with their
 * topic, partition and offset) → per-feed fbank windows → packed inference → events → per-feed
 * incidents (alerts: those of the watched labels) and dead letters. Sources and sinks are injected
 * (Kafka in production, in-memory in tests), so {@link #build} never creates a connector itself.
 */
public final class ElasticAstJob {

  public static final String JOB_NAME = "elasticast";

  private final JobConfig config;
  private final Source<SourcedChunk, ?, ?> chunks;
  private final Sink<ClassificationEvent> events;
  private final Sink<Incident> incidents;
  private final Sink<Incident> alerts;
  private final Sink<DeadLetter> deadLetters;

  public ElasticAstJob(JobConfig config, Source<SourcedChunk, ?, ?> chunks,
      Sink<ClassificationEvent> events, Sink<Incident> incidents, Sink<Incident> alerts,
      Sink<DeadLetter> deadLetters) {
    this.config = config;
    this.chunks = chunks;
    this.events = events;
    this.incidents = incidents;
    this.alerts = alerts;
    this.deadLetters = deadLetters;
  }

  /** The Kafka-to-Kafka job that {@code config} describes, on a Flink configuration of its own. */
  public static ElasticAstJob onKafka(JobConfig config) {
    return onKafka(config, new Configuration());
  }

  /**
   * The Kafka-to-Kafka job that {@code config} describes, for a cluster whose configuration is
   * {@code flink} (it names the deployment, see {@link #transactionalIdPrefix}).
   */
  public static ElasticAstJob onKafka(JobConfig config, ReadableConfig flink) {
    if (config.sink.deliveryGuarantee.equals("exactly-once")) {
      createMissingTopics(config, List.of(config.topics.events, config.topics.incidents,
          config.topics.alerts, config.topics.deadLetters));
    }
    String prefix = transactionalIdPrefix(config, flink);
    return new ElasticAstJob(config, kafkaSource(config),
        kafkaSink(config, prefix, config.topics.events, ClassificationEvent.class, ClassificationEvent::getStreamId, "events"),
        kafkaSink(config, prefix, config.topics.incidents, Incident.class, Incident::getStreamId, "incidents"),
        kafkaSink(config, prefix, config.topics.alerts, Incident.class, Incident::getStreamId, "alerts"),
        kafkaSink(config, prefix, config.topics.deadLetters, DeadLetter.class, ElasticAstJob::deadLetterKey, "dlq"));
  }

  /** Set by the Flink Kubernetes operator from the FlinkDeployment's namespace and name. */
  static final ConfigOption<String> KUBERNETES_NAMESPACE =
      ConfigOptions.key("kubernetes.namespace").stringType().noDefaultValue();
  static final ConfigOption<String> KUBERNETES_CLUSTER_ID =
      ConfigOptions.key("kubernetes.cluster-id").stringType().noDefaultValue();
  static final ConfigOption<String> HA_CLUSTER_ID =
      ConfigOptions.key("high-availability.cluster-id").stringType().noDefaultValue();

  /**
   * {@code sink.transactional-id-prefix}, followed by the deployment's namespace and cluster id
   * where Flink's configuration has them ({@code kubernetes.namespace}, {@code
   * kubernetes.cluster-id}, else {@code high-availability.cluster-id}): two deployments of the same
   * job configuration on one broker would otherwise share transactional ids and fence each other.
   */
  static String transactionalIdPrefix(JobConfig config, ReadableConfig flink) {
    StringBuilder prefix = new StringBuilder(config.sink.transactionalIdPrefix);
    flink.getOptional(KUBERNETES_NAMESPACE).ifPresent(ns -> prefix.append('-').append(ns));
    flink.getOptional(KUBERNETES_CLUSTER_ID).or(() -> flink.getOptional(HA_CLUSTER_ID))
        .map(id -> id.replaceAll("^/+|/+$", "").replace('/', '-'))
        .filter(id -> !id.isEmpty())
        .ifPresent(id -> prefix.append('-').append(id));
    return prefix.toString();
  }

  /**
   * {@code conf} for a MiniCluster in this process, with the job configuration's parallelism
   * where {@code conf} sets none: a local environment otherwise sets {@code parallelism.default}
   * to the machine's core count, which {@link #build} would take for the cluster's choice.
   */
  public Configuration forLocalRun(Configuration conf) {
    if (!conf.contains(CoreOptions.DEFAULT_PARALLELISM)) {
      conf.set(CoreOptions.DEFAULT_PARALLELISM, config.parallelism);
    }
    return conf;
  }

  /**
   * Adds the pipeline to {@code env}; returns the events stream (for tests and metrics).
   * Parallelism, the checkpoint interval and the checkpoint directory come from Flink's
   * configuration where it sets them ({@code parallelism.default}, {@code
   * execution.checkpointing.interval}, {@code execution.checkpointing.dir}: a cluster's operator
   * decides them); the job configuration's values fill in what it leaves unset (local runs).
   */
  public DataStream<ClassificationEvent> build(StreamExecutionEnvironment env) {
    ReadableConfig flink = env.getConfiguration();
    if (flink.getOptional(CoreOptions.DEFAULT_PARALLELISM).isEmpty()) {
      env.setParallelism(config.parallelism);
    }
    if (flink.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).isEmpty()
        && config.checkpoints.intervalMs > 0) {
      env.enableCheckpointing(config.checkpoints.intervalMs);
    }
    Configuration checkpoints = new Configuration();
    if (flink.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).isEmpty()) {
      checkpoints.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
      checkpoints.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointStorageUri());
    }
    if (flink.getOptional(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION).isEmpty()) {
      // a killed or cancelled job leaves its latest checkpoint behind, so the next run resumes from it
      checkpoints.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
          ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }
    if (flink.getOptional(StateBackendOptions.STATE_BACKEND).isEmpty()) {
      checkpoints.set(StateBackendOptions.STATE_BACKEND, config.checkpoints.stateBackend);
      if (config.checkpoints.stateBackend.equals("rocksdb")) {
        checkpoints.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
      }
    }
    if (flink.getOptional(PipelineOptions.GENERIC_TYPES).isEmpty()) {
      // every record and state type has a serializer of its own (POJO, Avro, basic); a type that
      // would fall back to Kryo is a mistake that fails the job at once instead of slowing it down
      checkpoints.set(PipelineOptions.GENERIC_TYPES, false);
    }
    env.configure(checkpoints);

    // Event time is the chunk's own clock; idle partitions must not stall the watermark, and a
    // refused record (bad clock, undecodable) must not move it.
    WatermarkStrategy<SourcedChunk> watermarks = WatermarkStrategy
        .<SourcedChunk>forBoundedOutOfOrderness(Duration.ofMillis(config.source.maxOutOfOrdernessMs))
        .withTimestampAssigner((record, ts) -> record.eventTimeMillis())
        .withIdleness(Duration.ofMillis(config.source.idlenessMs));
    SingleOutputStreamOperator<FeedChunk> admitted = env
        .fromSource(chunks, watermarks, "normalised-chunks").uid("normalised-chunks")
        .process(new ChunkGate(admission(config), config.deadLetters.maxValueBytes))
        .returns(FeedChunk.class)
        .name("admit-chunks").uid("admit-chunks");

    // One key per feed: a feed's cursor and frames live with its key.
    SingleOutputStreamOperator<SpectrogramWindow> windows =
        FeaturizerStage.windows(admitted, featurizerSettings(config));

    // Chained to the featurizer: windows stay on their feed's subtask (so a feed's windows keep
    // their order) without being serialised across a shuffle; each subtask packs its own feeds.
    SingleOutputStreamOperator<ClassificationEvent> scored = windows
        .transform("pack-and-infer", PackAndInferOperator.EVENT_TYPE,
            new PackAndInferOperator(inferenceSettings(config)))
        .uid("pack-and-infer");

    scored.sinkTo(events).name("events-sink").uid("events-sink");

    // Incidents per feed (and label) from its sliding windows; alerts are those of alerts.labels.
    // Events are still partitioned by feed as the featurizer's key put them (forward, same
    // parallelism), so they are keyed again in place, with no shuffle.
    SingleOutputStreamOperator<Incident> incidentStream = DataStreamUtils
        .reinterpretAsKeyedStream(scored, ClassificationEvent::getStreamId, Types.STRING)
        .process(new IncidentFunction(incidentSettings(config)))
        .returns(IncidentFunction.INCIDENT_TYPE)
        .name("incidents").uid("incidents");
    incidentStream.sinkTo(incidents).name("incidents-sink").uid("incidents-sink");
    incidentStream.getSideOutput(IncidentFunction.ALERTS).sinkTo(alerts).name("alerts-sink").uid("alerts-sink");
    admitted.getSideOutput(ChunkGate.REJECTED)
        .union(windows.getSideOutput(FbankWindowFunction.REJECTED))
        .union(scored.getSideOutput(PackAndInferOperator.REJECTED)
            .map(ElasticAstJob::deadLetterOf).returns(new AvroTypeInfo<>(DeadLetter.class)))
        .sinkTo(deadLetters).name("dead-letters-sink").uid("dead-letters-sink");
    return scored;
  }

  public void execute(StreamExecutionEnvironment env) throws Exception {
    build(env);
    env.execute(JOB_NAME);
  }

  public static FeaturizerSettings featurizerSettings(JobConfig c) {
    Map<String, List<WindowPolicy>> perFeed = new LinkedHashMap<>();
    c.featurizer.perFeed.forEach((feed, specs) ->
        perFeed.put(feed, specs.stream().map(WindowPolicy::parse).toList()));
    FeaturizerSettings.GapPolicy gap = c.featurizer.gapPolicy.equals("reset")
        ? FeaturizerSettings.GapPolicy.RESET : FeaturizerSettings.GapPolicy.ZERO_FILL;
    FeaturizerSettings defaults = FeaturizerSettings.defaults(
        c.featurizer.policies.stream().map(WindowPolicy::parse).toList());
    return new FeaturizerSettings(c.featurizer.melBins, defaults.policies(), perFeed, gap,
        defaults.maxZeroFill(), Duration.ofMillis(c.featurizer.idleTimeoutMs),
        Duration.ofMillis(c.featurizer.stoppedInputFlushMs), defaults.retention());
  }

  static ChunkAdmission admission(JobConfig c) {
    return new ChunkAdmission(new EventTimeBounds(Duration.ofMillis(c.source.maxEventTimeAheadMs)),
        Duration.ofMillis(c.source.maxChunkMs));
  }

  public static InferenceSettings inferenceSettings(JobConfig c) {
    return new InferenceSettings(c.modelDir().toString(), c.inference.threads,
        c.inference.device.equals("cuda"), c.inference.maxCallTokens, c.inference.maxDelayMs,
        c.inference.maxWaiting, c.inference.topK, Patchifier.FeatureScale.RAW_LOG_MEL);
  }

  static IncidentSettings incidentSettings(JobConfig c) {
    FeaturizerSettings f = featurizerSettings(c);
    Map<String, String> perFeed = new HashMap<>();
    f.perFeedPolicies().forEach((feed, policies) -> perFeed.put(feed, firstSliding(policies)));
    return new IncidentSettings(c.incidents.rules(), c.incidents.thresholds(),
        firstSliding(f.policies()), perFeed, Set.copyOf(c.alerts.labels), c.modelDir().toString());
  }

  /** The policy that drives a feed's incidents: its first sliding one (null: none, no incidents). */
  static String firstSliding(List<WindowPolicy> policies) {
    return policies.stream().filter(p -> p.kind() == WindowPolicy.Kind.SLIDING)
        .map(WindowPolicy::name).findFirst().orElse(null);
  }

  static DeadLetter deadLetterOf(RejectedWindow r) {
    // a window is refused after its chunks were taken: it has no topic offset of its own
    return DeadLetters.of("inference-operator", -1, r.sequenceNumber,
        r.streamId.getBytes(StandardCharsets.UTF_8), null, DeadLetterReason.OTHER,
        "window " + r.policy + " #" + r.sequenceNumber + " (" + r.frames + " frames @"
            + r.frameShiftMs + " ms) rejected: " + r.reason, System.currentTimeMillis() * 1000);
  }

  static String deadLetterKey(DeadLetter d) {
    return d.getKey() == null ? null : StandardCharsets.UTF_8.decode(d.getKey().duplicate()).toString();
  }

  // ---- Kafka connectors ----------------------------------------------------------------------

  static Properties clientProperties(JobConfig c) {
    Properties p = new Properties();
    p.putAll(c.kafka.properties);
    return p;
  }

  static KafkaSource<SourcedChunk> kafkaSource(JobConfig c) {
    return KafkaSource.<SourcedChunk>builder()
        .setBootstrapServers(c.kafka.bootstrapServers)
        .setTopics(c.topics.normalised)
        .setGroupId(c.kafka.groupId)
        .setProperties(clientProperties(c))
        .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        .setStartingOffsets(OffsetsInitializer.committedOffsets(
            c.source.startingOffsets.equals("latest")
                ? org.apache.kafka.clients.consumer.OffsetResetStrategy.LATEST
                : org.apache.kafka.clients.consumer.OffsetResetStrategy.EARLIEST))
        .setDeserializer(new SourcedChunkDeserializer(
            new EventTimeBounds(Duration.ofMillis(c.source.maxEventTimeAheadMs))))
        .build();
  }

  /**
   * An exactly-once sink lists the open transactions on its topic when it starts (POOLING naming,
   * below), which fails on a topic that does not exist yet instead of letting the first write
   * auto-create it: create the missing ones with the broker's default partitions. A broker that
   * cannot be reached within {@link #TOPIC_CHECK_TIMEOUT} is only warned about: the job starts and
   * its Kafka clients keep retrying, as they do when the broker goes away later.
   */
  static void createMissingTopics(JobConfig c, List<String> topics) {
    Properties p = clientProperties(c);
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.kafka.bootstrapServers);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TOPIC_CHECK_TIMEOUT.toMillis());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TOPIC_CHECK_TIMEOUT.toMillis());
    try (Admin admin = Admin.create(p)) {
      Set<String> existing = admin.listTopics().names()
          .get(TOPIC_CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      for (String topic : topics.stream().distinct().filter(t -> !existing.contains(t)).toList()) {
        try {
          admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty())))
              .all().get(TOPIC_CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create output topic " + topic + " on "
                + c.kafka.bootstrapServers + ": " + e.getCause().getMessage(), e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the output topics", e);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("cannot reach {} to check the output topics {} ({}); starting anyway, they must"
          + " exist before the exactly-once sinks can start", c.kafka.bootstrapServers, topics,
          e.getCause() == null ? e.toString() : e.getCause().getMessage());
    }
  }

  static final Duration TOPIC_CHECK_TIMEOUT = Duration.ofSeconds(10);
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ElasticAstJob.class);

  static <T extends org.apache.avro.specific.SpecificRecord> KafkaSink<T> kafkaSink(JobConfig c,
      String transactionalIdPrefix, String topic, Class<T> type, AvroRecordSerializer.KeyOf<T> keyOf, String suffix) {
    DeliveryGuarantee guarantee = switch (c.sink.deliveryGuarantee) {
      case "exactly-once" -> DeliveryGuarantee.EXACTLY_ONCE;
      case "at-least-once" -> DeliveryGuarantee.AT_LEAST_ONCE;
      default -> DeliveryGuarantee.NONE;
    };
    return KafkaSink.<T>builder()
        .setBootstrapServers(c.kafka.bootstrapServers)
        .setKafkaProducerConfig(clientProperties(c))
        .setRecordSerializer(new AvroRecordSerializer<>(topic, type, keyOf))
        .setDeliveryGuarantee(guarantee)
        .setTransactionalIdPrefix(transactionalIdPrefix + "-" + suffix)
        // POOLING aborts lingering transactions by listing the open ones and skips those the
        // committer still has to commit. The default (INCREMENTING, aborted by probing ids) lost
        // the killed subtask's pre-committed transaction when a TaskManager died between a
        // checkpoint and its commit ("producer is already fenced"): FlinkClusterIT
        .setTransactionNamingStrategy(guarantee == DeliveryGuarantee.EXACTLY_ONCE
            ? TransactionNamingStrategy.POOLING : TransactionNamingStrategy.DEFAULT)
        .setProperty("transaction.timeout.ms", Long.toString(c.sink.transactionTimeoutMs))
        .build();
  }

  /**
   * Entry point for {@code flink run} and the Flink image's {@code standalone-job}:
   * {@code --config FILE [--bootstrap-servers HOST:PORT]}.
   */
  public static void main(String[] args) throws Exception {
    Path configFile = null;
    String bootstrap = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> configFile = Path.of(args[++i]);
        case "--bootstrap-servers" -> bootstrap = args[++i];
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (expected --config FILE [--bootstrap-servers HOST:PORT])");
      }
    }
    JobConfig config = JobConfig.load(configFile);
    if (bootstrap != null) {
      config.kafka.bootstrapServers = bootstrap;
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    ElasticAstJob.onKafka(config, env.getConfiguration()).execute(env);
  }
}
