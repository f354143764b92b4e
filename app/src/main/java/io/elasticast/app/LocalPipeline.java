package io.elasticast.app;

import io.elasticast.ingest.ChunkSink;
import io.elasticast.ingest.IngestMetrics;
import io.elasticast.ingest.IngestRunner;
import io.elasticast.ingest.MetricsEndpoint;
import io.elasticast.ingest.NormaliserConfig;
import io.elasticast.ingest.NormaliserService;
import io.elasticast.ingest.NormaliserSettings;
import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The whole pipeline on this machine: an embedded broker with the pipeline's topics, the Kafka
 * Streams normaliser, and the Flink job in a local MiniCluster with its web UI (or on a session
 * cluster of separate processes, {@link #startJobOnCluster}). The demo, the
 * end-to-end test and the pipeline benchmark all run on it; {@link #close} leaves no process,
 * thread or temp dir behind. Each part serves Prometheus metrics on a free port of its own
 * ({@link #metricsUrls}; names in {@code docs/metrics.md}).
 */
public final class LocalPipeline implements AutoCloseable {

  public static final int PARTITIONS = 4;

  private final Path workDir;
  private final String bootstrapServers;
  /** The embedded broker, or null on an external one (which this class neither starts nor stops). */
  private final EmbeddedKafkaBroker broker;
  private final Topics topics;
  private final CountDownLatch normaliserStop = new CountDownLatch(1);
  private Thread normaliser;
  private JobClient job;
  /** The session cluster the job runs on ({@link #startJobOnCluster}), or null for a MiniCluster. */
  private FlinkCluster cluster;
  private int webUiPort;
  /** Process ("job", "normaliser", "ingest") → its metrics port, in the order they started. */
  private final Map<String, Integer> metricsPorts = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
  private final List<MetricsEndpoint> endpoints = new CopyOnWriteArrayList<>();

  private LocalPipeline(Path workDir, String bootstrapServers, EmbeddedKafkaBroker broker) {
    this.workDir = workDir;
    this.bootstrapServers = bootstrapServers;
    this.broker = broker;
    this.topics = Topics.singleObject();
  }

  /** An embedded broker with the pipeline's topics; start the other parts with the methods below. */
  public static LocalPipeline startBroker() {
    return startBroker(EmbeddedKafkaBroker.Options.defaults());
  }

  /** The same with the given broker options (a throughput-tuned broker for benchmarks). */
  public static LocalPipeline startBroker(EmbeddedKafkaBroker.Options options) {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(options.defaultPartitions(PARTITIONS));
    LocalPipeline p = new LocalPipeline(tempDir(), broker.bootstrapServers(), broker);
    p.createTopics();
    return p;
  }

  /** The pipeline's topics on a broker someone else runs (a container, a cluster). */
  public static LocalPipeline onBroker(String bootstrapServers) {
    LocalPipeline p = new LocalPipeline(tempDir(), bootstrapServers, null);
    p.createTopics();
    return p;
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("elasticast-pipeline-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void createTopics() {
    Map<String, Integer> names = BrokerCommand.pipelineTopics(PARTITIONS);
    List<NewTopic> topics = names.entrySet().stream()
        .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) 1)).toList();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      admin.createTopics(topics).values().forEach((name, f) -> {
        try {
          f.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
          }
        } catch (Exception e) {
          throw new IllegalStateException("cannot create topic " + name + ": " + e.getMessage(), e);
        }
      });
      awaitLeaders(admin, names.keySet());
    }
  }

  /** A new topic takes produce requests only once every partition has a leader. */
  private static void awaitLeaders(Admin admin, java.util.Collection<String> names) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        boolean ready = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()
            .stream().allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        if (ready) {
          return;
        }
      } catch (Exception notYet) {
        // Metadata for a just-created topic may lag; ask again until the deadline.
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + names + " have partitions without a leader after 60 s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for topic leaders", e);
      }
    }
  }

  /** Starts the normaliser (raw → normalised + dead letters); its status lines go to {@code log}. */
  public LocalPipeline startNormaliser(PrintStream log) {
    var config = NormaliserConfig.properties(bootstrapServers,
        NormaliserConfig.DEFAULT_APPLICATION_ID, workDir.resolve("normaliser-state"), 1);
    MetricsEndpoint metrics = MetricsEndpoint.start(0);
    endpoints.add(metrics);
    metricsPorts.put(NORMALISER, metrics.port());
    normaliser = new Thread(() -> {
      try {
        NormaliserService.run(config, topics.audioRaw, topics.audioNormalised, topics.deadLetters,
            NormaliserSettings.defaults(), log, normaliserStop, metrics.registry());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "normaliser");
    normaliser.setDaemon(true);
    normaliser.start();
    return this;
  }

  /** The job config pointed at this broker, with checkpoints under the pipeline's temp dir. */
  public JobConfig jobConfig(JobConfig base) {
    base.kafka.bootstrapServers = bootstrapServers;
    if (base.checkpoints.storage == null
        || base.checkpoints.storage.equals(JobConfig.defaults().checkpoints.storage)) {
      // a throw-away pipeline keeps its checkpoints with the rest of its state, removed at close
      base.checkpoints.storage = workDir.resolve("checkpoints").toUri().toString();
    }
    return base;
  }

  /**
   * Submits {@code job} to a local MiniCluster with its web UI and Flink's Prometheus reporter each
   * on a free port; returns at once.
   */
  public JobClient startJob(ElasticAstJob elasticAstJob, Configuration extra) throws Exception {
    Configuration conf = Recovery.withRestartDefaults(new Configuration(extra));
    webUiPort = JobCommand.freePort();
    conf.set(RestOptions.PORT, webUiPort);
    conf.set(RestOptions.ADDRESS, "localhost");
    // the web UI's upload dir would otherwise stay in the system temp dir after close
    conf.set(WebOptions.TMP_DIR, workDir.resolve("flink-web").toString());
    int metricsPort = JobCommand.freePort();
    FlinkPrometheus.enable(conf, Integer.toString(metricsPort));
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(elasticAstJob.forLocalRun(conf));
    elasticAstJob.build(env);
    job = env.executeAsync(ElasticAstJob.JOB_NAME);
    // the MiniCluster (and with it the reporter) is up once executeAsync returns; a reporter that
    // lost its port to another process in between would only log a warning, so look
    if (!FlinkPrometheus.serving(metricsPort)) {
      throw new IllegalStateException("Flink's Prometheus reporter is not serving "
          + FlinkPrometheus.url(metricsPort) + " (the port was taken before it could bind?)");
    }
    metricsPorts.put(JOB, metricsPort);
    return job;
  }

  /**
   * Starts a Flink session cluster of separate processes ({@link FlinkCluster}: a JobManager and
   * the TaskManagers of {@code options}, run from this JVM's classpath, which holds the job's
   * classes) and submits {@code job} to it; returns at once. {@link #close} cancels the job and
   * stops the cluster. The cluster's processes serve their metrics under their own names.
   */
  public JobClient startJobOnCluster(ElasticAstJob elasticAstJob, FlinkCluster.Options options) throws Exception {
    if (cluster != null) {
      throw new IllegalStateException("this pipeline already runs a cluster");
    }
    cluster = FlinkCluster.start(options);
    webUiPort = cluster.restPort();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
        "localhost", cluster.restPort(), new Configuration());
    elasticAstJob.build(env);
    job = env.executeAsync(ElasticAstJob.JOB_NAME);
    cluster.metricsPorts().forEach(metricsPorts::put);
    return job;
  }

  /** The session cluster the job runs on, if {@link #startJobOnCluster} started one. */
  public java.util.Optional<FlinkCluster> cluster() {
    return java.util.Optional.ofNullable(cluster);
  }

  /**
   * Serves {@code runner}'s ingest metrics (and {@code sink}'s producer metrics when it is a Kafka
   * one) on a free port until {@link #close}; for ingest that runs in this process, as the demo's
   * does. Returns the port (also in {@link #metricsPorts}).
   */
  public int serveIngestMetrics(IngestRunner runner, ChunkSink sink) {
    MetricsEndpoint metrics = IngestMetrics.serve(0, runner, sink);
    endpoints.add(metrics);
    metricsPorts.put(INGEST, metrics.port());
    return metrics.port();
  }

  /** Names in {@link #metricsPorts}. */
  public static final String JOB = "job";
  public static final String NORMALISER = "normaliser";
  public static final String INGEST = "ingest";

  /** Process ({@link #JOB}, {@link #NORMALISER}, {@link #INGEST}) → the port its metrics are on. */
  public Map<String, Integer> metricsPorts() {
    synchronized (metricsPorts) {
      return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metricsPorts));
    }
  }

  /** The same as scrape URLs ({@code http://localhost:PORT/metrics}), in the order they started. */
  public Map<String, String> metricsUrls() {
    Map<String, String> urls = new LinkedHashMap<>();
    synchronized (metricsPorts) {
      metricsPorts.forEach((process, port) -> urls.put(process, FlinkPrometheus.url(port)));
    }
    return urls;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The embedded broker's process id (-1 on a broker this pipeline did not start). */
  public long brokerPid() {
    return broker == null ? -1 : broker.pid();
  }

  public Topics topics() {
    return topics;
  }

  public Path workDir() {
    return workDir;
  }

  public int webUiPort() {
    return webUiPort;
  }

  public JobClient job() {
    return job;
  }

  /** Cancels the job if it runs; waits for it to end. */
  public void cancelJob() {
    if (job == null) {
      return;
    }
    try {
      job.cancel().get(60, TimeUnit.SECONDS);
    } catch (Exception alreadyEnded) {
      // A job that finished or failed on its own has nothing to cancel.
    }
    try {
      job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
    } catch (Exception cancelled) {
      // Cancellation completes the result exceptionally; that is the expected end.
    }
    job = null;
  }

  @Override
  public void close() {
    cancelJob();
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
    normaliserStop.countDown();
    if (normaliser != null) {
      try {
        normaliser.join(Duration.ofSeconds(40).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    endpoints.forEach(MetricsEndpoint::close);
    endpoints.clear();
    if (broker != null) {
      broker.close();
    }
    EmbeddedKafkaBroker.deleteRecursively(workDir);
  }

  /** A stream that discards everything (for parts whose status lines nobody reads). */
  public static PrintStream quiet() {
    return new PrintStream(OutputStream.nullOutputStream());
  }
}
