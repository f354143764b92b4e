package io.elasticast.app;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.elasticast.inference.incidents.IncidentRules;
import io.elasticast.inference.incidents.IncidentThresholds;
import io.elasticast.inference.incidents.LabelThresholds;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The job's configuration: {@code elasticast-job.yaml} on the classpath holds every option with
 * its default and its documentation; a user's file is read over it. Plain data, serialisable, so
 * the job graph can carry it.
 */
public final class JobConfig implements Serializable {

  public static final String DEFAULTS_RESOURCE = "/elasticast-job.yaml";

  public Kafka kafka = new Kafka();
  public Topics topics = new Topics();
  public Source source = new Source();
  public Featurizer featurizer = new Featurizer();
  public Inference inference = new Inference();
  public Incidents incidents = new Incidents();
  public Alerts alerts = new Alerts();
  public Sink sink = new Sink();
  public Checkpoints checkpoints = new Checkpoints();
  public DeadLetters deadLetters = new DeadLetters();
  public Metrics metrics = new Metrics();
  public int parallelism;

  public static final class Kafka implements Serializable {
    public String bootstrapServers;
    public Map<String, String> properties = new LinkedHashMap<>();
    public String groupId;
  }

  public static final class Topics implements Serializable {
    public String normalised;
    public String events;
    public String incidents;
    public String alerts;
    public String deadLetters;
  }

  public static final class Source implements Serializable {
    public long maxOutOfOrdernessMs;
    public long idlenessMs;
    public String startingOffsets;
    public long maxEventTimeAheadMs;
    public long maxChunkMs;
  }

  public static final class Featurizer implements Serializable {
    public int melBins;
    public List<String> policies = new ArrayList<>();
    public Map<String, List<String>> perFeed = new LinkedHashMap<>();
    public String gapPolicy;
    public long idleTimeoutMs;
    public long stoppedInputFlushMs;
  }

  public static final class Inference implements Serializable {
    public String modelDir;
    public int maxCallTokens;
    public long maxDelayMs;
    public int maxWaiting;
    public int threads;
    public String device;
    public int topK;
  }

  /** See the {@code incidents} section of the defaults file and {@link IncidentRules}. */
  public static final class Incidents implements Serializable {
    public float onThreshold;
    public float offThreshold;
    public Onset onset = new Onset();
    public long holdMs;
    public long minDurationMs;
    public float minLevelDbfs;
    public float updatePeakRise;
    public Map<String, Thresholds> labels = new LinkedHashMap<>();
    public Map<String, Map<String, Thresholds>> perFeed = new LinkedHashMap<>();

    public IncidentRules rules() {
      return new IncidentRules(onset.k, onset.n, holdMs, minDurationMs, updatePeakRise, minLevelDbfs);
    }

    public IncidentThresholds thresholds() {
      Map<String, LabelThresholds> byLabel = new LinkedHashMap<>();
      labels.forEach((label, t) -> byLabel.put(label, Thresholds.of(t)));
      Map<String, Map<String, LabelThresholds>> byFeed = new LinkedHashMap<>();
      perFeed.forEach((feed, m) -> {
        Map<String, LabelThresholds> feedLabels = new LinkedHashMap<>();
        if (m != null) { // "feed-7:" alone
          m.forEach((label, t) -> feedLabels.put(label, Thresholds.of(t)));
        }
        byFeed.put(feed, feedLabels);
      });
      return new IncidentThresholds(LabelThresholds.of(onThreshold, offThreshold), byLabel, byFeed);
    }
  }

  public static final class Onset implements Serializable {
    public int k;
    public int n;
  }

  /** An on/off override; an unset side is inherited. */
  public static final class Thresholds implements Serializable {
    public Float on;
    public Float off;

    static LabelThresholds of(Thresholds t) {
      return t == null ? new LabelThresholds(null, null) : new LabelThresholds(t.on, t.off); // "siren:" alone
    }
  }

  public static final class Alerts implements Serializable {
    public List<String> labels = new ArrayList<>();
  }

  public static final class Sink implements Serializable {
    public String deliveryGuarantee;
    public long transactionTimeoutMs;
    public String transactionalIdPrefix;
  }

  public static final class Checkpoints implements Serializable {
    public long intervalMs;
    public String storage;
    /** hashmap (state on the heap, full checkpoints) or rocksdb (on disk, incremental). */
    public String stateBackend;
  }

  public static final class DeadLetters implements Serializable {
    public int maxValueBytes;
  }

  /** See the {@code metrics} section of the defaults file and {@link FlinkPrometheus}. */
  public static final class Metrics implements Serializable {
    /** A port, a range {@code A-B}, or 0 / empty for no reporter. */
    public String prometheusPort;
  }

  private static ObjectMapper mapper() {
    return new ObjectMapper(new YAMLFactory())
        .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  }

  /** The documented defaults. */
  public static JobConfig defaults() {
    try {
      return mapper().treeToValue(defaultsTree(), JobConfig.class);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the built-in " + DEFAULTS_RESOURCE, e);
    }
  }

  private static ObjectNode defaultsTree() throws IOException {
    try (InputStream in = JobConfig.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      return (ObjectNode) mapper().readTree(in);
    }
  }

  /** Objects merge key by key; any other value (lists included) replaces the default. */
  private static void mergeInto(ObjectNode target, JsonNode update) {
    update.fields().forEachRemaining(e -> {
      JsonNode current = target.get(e.getKey());
      if (current instanceof ObjectNode currentObject && e.getValue().isObject()) {
        mergeInto(currentObject, e.getValue());
      } else {
        target.set(e.getKey(), e.getValue());
      }
    });
  }

  /** The defaults with {@code file} read over them; a clear error names a bad key or value. */
  public static JobConfig load(Path file) {
    if (file == null) {
      return defaults().validate();
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("config file " + file + " does not exist");
    }
    JobConfig config;
    try (InputStream in = Files.newInputStream(file)) {
      ObjectNode merged = defaultsTree();
      JsonNode user = mapper().readTree(in);
      if (user != null && !user.isMissingNode() && !user.isNull()) {
        if (!user.isObject()) {
          throw new IllegalArgumentException(file + ": expected a YAML mapping of options");
        }
        mergeInto(merged, user);
      }
      config = mapper().treeToValue(merged, JobConfig.class);
    } catch (UnrecognizedPropertyException e) {
      String moved = MOVED.get(dottedPath(e));
      if (moved != null) {
        throw new IllegalArgumentException(file + ": option " + dottedPath(e) + " was removed: " + moved);
      }
      throw new IllegalArgumentException(file + ": unknown option '" + e.getPropertyName()
          + "' at " + e.getPathReference() + " (every option is listed in " + DEFAULTS_RESOURCE + ")");
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    return config.validate();
  }

  /** Options that moved: a file that still sets one gets told where it went. */
  private static final Map<String, String> MOVED = Map.of(
      "alerts.threshold", "alerts are the incidents of alerts.labels now; their thresholds are"
          + " incidents.on-threshold / incidents.off-threshold, or incidents.labels.<label>.on / .off");

  private static String dottedPath(UnrecognizedPropertyException e) {
    StringBuilder path = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
      }
    }
    return path.toString();
  }

  /** Checks values that YAML types cannot: clear messages instead of failures deep in the job. */
  public JobConfig validate() {
    require(kafka.bootstrapServers != null && !kafka.bootstrapServers.isBlank(),
        "kafka.bootstrap-servers must be set");
    require(!featurizer.policies.isEmpty(), "featurizer.policies needs at least one policy");
    require(List.of("zero-fill", "reset").contains(featurizer.gapPolicy),
        "featurizer.gap-policy must be zero-fill or reset, not " + featurizer.gapPolicy);
    require(List.of("exactly-once", "at-least-once", "none").contains(sink.deliveryGuarantee),
        "sink.delivery-guarantee must be exactly-once, at-least-once or none");
    require(sink.transactionTimeoutMs > 0 && sink.transactionTimeoutMs <= 900_000,
        "sink.transaction-timeout-ms must be in 1..900000 (the broker's default maximum)");
    require(List.of("cpu", "cuda").contains(inference.device), "inference.device must be cpu or cuda");
    require(List.of("earliest", "latest").contains(source.startingOffsets),
        "source.starting-offsets must be earliest or latest");
    require(parallelism >= 1, "parallelism must be >= 1");
    require(inference.maxDelayMs >= 1, "inference.max-delay-ms must be >= 1");
    require("hashmap".equals(checkpoints.stateBackend) || "rocksdb".equals(checkpoints.stateBackend),
        "checkpoints.state-backend must be hashmap or rocksdb, not " + checkpoints.stateBackend);
    require(checkpoints.storage != null && !checkpoints.storage.isBlank(),
        "checkpoints.storage must name a directory (JobManager memory cannot hold more than a few feeds)");
    require(source.maxEventTimeAheadMs >= 0, "source.max-event-time-ahead-ms must be >= 0");
    require(source.maxChunkMs >= 1, "source.max-chunk-ms must be >= 1");
    try {
      incidents.rules();
      incidents.thresholds();
    } catch (IllegalArgumentException e) {
      require(false, "incidents: " + e.getMessage());
    }
    try {
      FlinkPrometheus.Ports.parse(metrics.prometheusPort);
    } catch (IllegalArgumentException e) {
      require(false, "metrics.prometheus-port: " + e.getMessage());
    }
    require(deadLetters.maxValueBytes >= 0 && deadLetters.maxValueBytes <= 900_000,
        "dead-letters.max-value-bytes must be in 0..900000 (the record must fit the broker's 1 MiB default)");
    return this;
  }

  /**
   * Checkpoint storage as a Flink filesystem URI: a URI as given, a plain path made absolute
   * against the working directory (so a restarted process finds the same checkpoints).
   */
  public String checkpointStorageUri() {
    String s = checkpoints.storage;
    if (s.contains("://") || s.startsWith("file:")) {
      return s;
    }
    return Path.of(s).toAbsolutePath().normalize().toUri().toString();
  }

  /**
   * The model directory: as given when absolute or present here, else under
   * {@code $ELASTICAST_HOME} (the launcher sets it to the repository root, so the bundled model is
   * found from any working directory).
   */
  public Path modelDir() {
    return resolveAgainstHome(Path.of(inference.modelDir));
  }

  /** {@code p} as given when absolute or present here, else under {@code $ELASTICAST_HOME} if there. */
  public static Path resolveAgainstHome(Path p) {
    if (p.isAbsolute() || Files.exists(p)) {
      return p.toAbsolutePath();
    }
    String home = System.getenv("ELASTICAST_HOME");
    if (home != null && Files.exists(Path.of(home).resolve(p))) {
      return Path.of(home).resolve(p).toAbsolutePath();
    }
    return p.toAbsolutePath();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("invalid job config: " + message);
    }
  }
}
