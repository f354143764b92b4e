package io.elasticast.app;

import io.elasticast.app.dashboard.Dashboard;
import io.elasticast.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code elasticast job}: the Kafka-to-Kafka pipeline, locally (MiniCluster) or on a Flink cluster. */
@Command(
    name = "job",
    mixinStandardHelpOptions = true,
    description = "Run the classification job: normalised chunks in, events and alerts out.")
public final class JobCommand implements Callable<Integer> {

  enum Target { local, remote }

  @Spec CommandSpec spec;

  @Option(names = "--config", description = "Job YAML read over the documented defaults.")
  Path config;

  @Option(names = "--bootstrap-servers", description = "Overrides kafka.bootstrap-servers.")
  String bootstrapServers;

  @Option(names = "--target", description = "local (MiniCluster with web UI) or remote (default: ${DEFAULT-VALUE}).")
  Target target = Target.local;

  @Option(names = "--jobmanager", description = "HOST:PORT of the remote JobManager's REST endpoint.")
  String jobManager;

  @Option(names = "--dashboard-port", description = "Live dashboard of the job's output topics at http://localhost:PORT/ (local target); 0 = off (default: ${DEFAULT-VALUE}).")
  int dashboardPort = Dashboard.DEFAULT_PORT;

  @Option(names = "--fresh", description = "Start from the Kafka offsets alone, ignoring retained checkpoints.")
  boolean fresh;

  @Option(names = "--from", paramLabel = "PATH",
      description = "Restore from this savepoint or checkpoint directory (default: the latest retained checkpoint of this job).")
  Path from;

  /** How often the local runner checks that its TaskManager is still there. */
  static final Duration HEALTH_CHECK_EVERY = Duration.ofSeconds(1);

  @Override
  public Integer call() throws Exception {
    JobConfig c;
    try {
      c = JobConfig.load(config);
      if (bootstrapServers != null) {
        c.kafka.bootstrapServers = bootstrapServers;
      }
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    if (target == Target.local) {
      return runLocal(c);
    }
    if (jobManager == null || !jobManager.contains(":")) {
      spec.commandLine().getErr().println("error: --target remote needs --jobmanager HOST:PORT");
      return 2;
    }
    String host = jobManager.substring(0, jobManager.lastIndexOf(':'));
    int port = Integer.parseInt(jobManager.substring(jobManager.lastIndexOf(':') + 1));
    Configuration conf = new Configuration();
    if (!restoreSettings(c, conf)) {
      return 2;
    }
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createRemoteEnvironment(host, port, conf, appJar());
    announce(c);
    ElasticAstJob.onKafka(c, env.getConfiguration()).execute(env);
    return 0;
  }

  /**
   * The job on a local MiniCluster until it ends or Ctrl-C / SIGTERM cancels it. All of Flink's
   * local dirs live in one temp dir, removed at the end: killed by a signal, the MiniCluster had
   * left its working dir, a 21 MB RPC jar and the web upload dir in the temp dir on every run.
   */
  private int runLocal(JobConfig c) throws Exception {
    CountDownLatch stop = new CountDownLatch(1);
    try (StopOnSignal signals = new StopOnSignal("job", stop, Duration.ofSeconds(90))) {
      Path workDir = Files.createTempDirectory("elasticast-job");
      try {
        int uiPort = freePort();
        Configuration conf = new Configuration();
        conf.set(RestOptions.PORT, uiPort);
        conf.set(RestOptions.ADDRESS, "localhost");
        conf.set(CoreOptions.TMP_DIRS, workDir.toString()); // I/O, RPC jar, the cluster's working dir
        conf.set(WebOptions.TMP_DIR, workDir.resolve("web").toString());
        Recovery.withRestartDefaults(conf);
        int metricsPort = 0;
        try {
          FlinkPrometheus.Ports ports = FlinkPrometheus.Ports.parse(c.metrics.prometheusPort);
          if (!ports.off()) {
            // one JVM, one reporter: the exact port, so the URL printed below is the one it serves
            metricsPort = ports.firstFree();
            FlinkPrometheus.enable(conf, Integer.toString(metricsPort));
          }
        } catch (IllegalArgumentException e) {
          spec.commandLine().getErr().println("error: " + e.getMessage());
          return 2;
        }
        if (!restoreSettings(c, conf)) {
          return 2;
        }
        ElasticAstJob job = ElasticAstJob.onKafka(c);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(job.forLocalRun(conf));
        job.build(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(ElasticAstJob.JOB_NAME);
        graph.setJobId(Recovery.jobId(c));
        int slots = graph.getStreamNodes().stream().mapToInt(StreamNode::getParallelism).max().orElse(1);
        // our own MiniCluster, not the environment's: only its close() says when its dirs are gone
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
            .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(slots).build());
        try {
          cluster.start();
          spec.commandLine().getOut().println("Flink web UI: http://localhost:" + uiPort);
          if (metricsPort > 0) {
            if (FlinkPrometheus.serving(metricsPort)) {
              spec.commandLine().getOut().println("metrics (Prometheus): " + FlinkPrometheus.url(metricsPort));
            } else {
              // taken between the check and Flink's bind: Flink runs on without its reporter
              spec.commandLine().getErr().println("warning: Flink's Prometheus reporter is not "
                  + "serving " + FlinkPrometheus.url(metricsPort) + "; the job runs without metrics");
            }
          }
          announce(c);
          try (Dashboard dashboard = Dashboard.startIfEnabled(
              WatchCommand.source(c, c.kafka.bootstrapServers, false), dashboardPort,
              spec.commandLine().getOut())) {
            JobID id = cluster.submitJob(graph).get().getJobID();
            return runUntilStopped(cluster, id, stop);
          }
        } finally {
          cluster.closeAsync().get(60, TimeUnit.SECONDS);
        }
      } finally {
        // inside the signal guard: the JVM halts as soon as its hook is released
        EmbeddedKafkaBroker.deleteRecursively(workDir);
      }
    }
  }

  /**
   * Sets the job's fixed id and where it restores from: {@code --from}, else (unless
   * {@code --fresh}) the latest retained checkpoint of the same job, and says which. False, with
   * the reason printed, when {@code --from} names nothing to restore.
   */
  private boolean restoreSettings(JobConfig c, Configuration conf) throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    conf.set(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID, Recovery.jobId(c).toHexString());
    if (from != null) {
      if (!Files.exists(from)) {
        spec.commandLine().getErr().println("error: --from " + from + " does not exist");
        return false;
      }
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, from.toAbsolutePath().toUri().toString());
      out.println("job: restoring from " + from.toAbsolutePath());
    } else if (fresh) {
      out.println("job: starting fresh (--fresh): retained checkpoints are not used");
    } else {
      java.net.URI storage = java.net.URI.create(c.checkpointStorageUri());
      Optional<Path> latest = "file".equals(storage.getScheme())
          ? Recovery.latestCheckpoint(Path.of(storage), Recovery.jobId(c)) : Optional.empty();
      if (latest.isPresent()) {
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, latest.get().toUri().toString());
        out.println("job: resuming from retained checkpoint " + latest.get());
      } else {
        out.println("job: no retained checkpoint of this job under " + storage
            + ": starting from the committed Kafka offsets");
      }
    }
    out.flush();
    return true;
  }

  /** Waits for the job to end, or cancels it once {@code stop} is counted down. */
  private int runUntilStopped(MiniCluster cluster, JobID id, CountDownLatch stop) throws Exception {
    CompletableFuture<JobResult> result = cluster.requestJobResult(id);
    long nextCheck = System.nanoTime();
    while (!result.isDone() && !stop.await(200, TimeUnit.MILLISECONDS)) {
      // the job runs until it ends on its own or a signal arrives; a local cluster whose only
      // TaskManager died (a fatal error in a task) would keep the job waiting for slots forever
      if (System.nanoTime() >= nextCheck) {
        nextCheck = System.nanoTime() + HEALTH_CHECK_EVERY.toNanos();
        if (cluster.requestClusterOverview().get(30, TimeUnit.SECONDS).getNumTaskManagersConnected() == 0
            && !result.isDone()) {
          spec.commandLine().getErr().println("error: the local TaskManager died (see its fatal "
              + "error in the log above); exiting so that a supervisor restarts the job, which "
              + "resumes from its latest checkpoint");
          spec.commandLine().getErr().flush();
          return 1;
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (result.isDone()) {
      JobResult r = result.get();
      if (r.getSerializedThrowable().isPresent()) {
        spec.commandLine().getErr().println("error: the job failed: "
            + r.getSerializedThrowable().get().getOriginalErrorClassName() + ": "
            + r.getSerializedThrowable().get().getMessage());
        return 1;
      }
      return 0;
    }
    out.println("job: stopping (cancelling the Flink job) ...");
    out.flush();
    cluster.cancelJob(id).get(60, TimeUnit.SECONDS);
    result.get(60, TimeUnit.SECONDS);
    out.println("job: stopped");
    out.flush();
    return 0;
  }

  private void announce(JobConfig c) {
    spec.commandLine().getOut().println("job: " + c.topics.normalised + " -> " + c.topics.events
        + " / " + c.topics.incidents + " / " + c.topics.alerts + " on " + c.kafka.bootstrapServers);
    spec.commandLine().getOut().flush();
  }

  /** The fat jar this class was loaded from: what a remote cluster needs to run the job. */
  static String appJar() {
    return Path.of(JobCommand.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
