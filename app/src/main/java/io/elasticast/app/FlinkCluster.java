package io.elasticast.app;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Flink session cluster on this machine: one JobManager (Flink's standalone session
 * entrypoint) and N TaskManagers, each its own JVM with its own log, started from this process's
 * classpath (the fat jar, or Maven's test classpath), the way {@code embedded-kafka} starts a real
 * broker. All of its files (configuration, logs, blobs, temp dirs) live in one work dir, removed on
 * {@link #close} unless the caller gave it.
 */
public final class FlinkCluster implements AutoCloseable {

  /** Options; {@link #defaults()} suits tests and {@code ./elasticast cluster}. */
  public static final class Options {
    int taskManagers = 2;
    int slotsPerTaskManager = 2;
    int restPort;
    String taskManagerProcessSize = "1600m";
    Duration startTimeout = Duration.ofSeconds(120);
    FlinkPrometheus.Ports metricsPorts = FlinkPrometheus.Ports.OFF;
    boolean highAvailability;
    final Map<String, String> config = new LinkedHashMap<>();

    public static Options defaults() {
      return new Options();
    }

    public Options taskManagers(int n) {
      this.taskManagers = n;
      return this;
    }

    public Options slotsPerTaskManager(int n) {
      this.slotsPerTaskManager = n;
      return this;
    }

    /** The REST (and web UI) port; 0 picks a free one. */
    public Options restPort(int port) {
      this.restPort = port;
      return this;
    }

    /**
     * Flink's Prometheus reporter in every process (JobManager and each TaskManager), each on the
     * first free port of {@code ports} ({@link #metricsPorts()} says which); off by default.
     */
    public Options metricsPorts(FlinkPrometheus.Ports ports) {
      this.metricsPorts = ports;
      return this;
    }

    /**
     * ZooKeeper high availability: a ZooKeeper server (its own JVM, from the ZooKeeper that Flink
     * shades) holds the leader and the pointers to the job graphs and completed checkpoints, whose
     * metadata lives in the work dir's {@code ha/} directory, as Kubernetes HA keeps its pointers in
     * ConfigMaps and the metadata in {@code high-availability.storageDir}. A JobManager killed and
     * started again ({@link #restartJobManager}) then recovers the running jobs from their latest
     * checkpoint by itself.
     */
    public Options highAvailability(boolean on) {
      this.highAvailability = on;
      return this;
    }

    /** Any Flink option, written into the cluster's config.yaml. */
    public Options config(String key, String value) {
      config.put(key, value);
      return this;
    }
  }

  private final Path workDir;
  private final boolean ownWorkDir;
  private final Path confDir;
  private final int restPort;
  private final String classpath;
  private final Process zooKeeper;
  private volatile Process jobManager;
  private int jobManagerStarts;
  private final List<Process> taskManagers = new ArrayList<>();
  private int nextTaskManager;
  private volatile boolean closed;

  private FlinkCluster(Path workDir, boolean ownWorkDir, Path confDir, int restPort, String classpath,
      Process zooKeeper) {
    this.workDir = workDir;
    this.ownWorkDir = ownWorkDir;
    this.confDir = confDir;
    this.restPort = restPort;
    this.classpath = classpath;
    this.zooKeeper = zooKeeper;
  }

  /** Starts the JobManager and the TaskManagers and waits until every slot is registered. */
  public static FlinkCluster start(Options options) {
    Path workDir;
    try {
      workDir = Files.createTempDirectory("elasticast-cluster-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the cluster's work dir", e);
    }
    FlinkCluster cluster = null;
    try {
      int restPort = options.restPort > 0 ? options.restPort : JobCommand.freePort();
      Path confDir = Files.createDirectories(workDir.resolve("conf"));
      Files.writeString(confDir.resolve("log4j.properties"), LOG4J);
      String classpath = System.getProperty("java.class.path");
      Process zk = null;
      if (options.highAvailability) {
        int zkPort = JobCommand.freePort();
        options.config.putIfAbsent("high-availability.type", "zookeeper");
        options.config.putIfAbsent("high-availability.zookeeper.quorum", "localhost:" + zkPort);
        options.config.putIfAbsent("high-availability.storageDir",
            Files.createDirectories(workDir.resolve("ha")).toUri().toString());
        zk = java(classpath, confDir, workDir.resolve("log").resolve("zookeeper.log"),
            List.of("-Xmx128m", "-Dzookeeper.admin.enableServer=false", "-Dzookeeper.jmx.log4j.disable=true"),
            ZOOKEEPER_MAIN, Integer.toString(zkPort),
            Files.createDirectories(workDir.resolve("zookeeper")).toString());
      }
      Files.writeString(confDir.resolve("config.yaml"), configYaml(workDir, restPort, options));
      cluster = new FlinkCluster(workDir, true, confDir, restPort, classpath, zk);
      cluster.startJobManager();
      for (int i = 0; i < options.taskManagers; i++) {
        cluster.startTaskManager();
      }
      cluster.awaitSlots(options.taskManagers * options.slotsPerTaskManager, options.startTimeout);
      return cluster;
    } catch (IOException | RuntimeException e) {
      if (cluster != null) {
        String logs = cluster.logTails(20);
        cluster.close();
        throw new IllegalStateException("the Flink cluster did not start: " + e.getMessage() + "\n" + logs, e);
      }
      EmbeddedKafkaBroker.deleteRecursively(workDir);
      throw new IllegalStateException("the Flink cluster did not start: " + e.getMessage(), e);
    }
  }

  /** ZooKeeper's server, as shaded into Flink's runtime (no jar of its own to resolve). */
  static final String ZOOKEEPER_MAIN =
      "org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.server.ZooKeeperServerMain";

  private synchronized void startJobManager() throws IOException {
    int n = jobManagerStarts++;
    jobManager = java(classpath, confDir,
        workDir.resolve("log").resolve(n == 0 ? "jobmanager.log" : "jobmanager-" + n + ".log"),
        List.of("-Xmx512m"), "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
        "--configDir", confDir.toString());
  }

  /**
   * Starts a new JobManager (on the same RPC and REST ports) once the current one has exited, for
   * example after a {@code destroyForcibly()}; with {@link Options#highAvailability} it takes over
   * the jobs that were running.
   */
  public synchronized Process restartJobManager(Duration timeout) throws IOException, InterruptedException {
    if (!jobManager.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("the JobManager is still running");
    }
    startJobManager();
    return jobManager;
  }

  /** Starts one more TaskManager (a new JVM) with the cluster's configuration. */
  public synchronized Process startTaskManager() throws IOException {
    int n = nextTaskManager++;
    List<List<String>> resources = taskManagerResources();
    List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString()));
    args.addAll(resources.get(1));
    Process tm = java(classpath, confDir, workDir.resolve("log").resolve("taskmanager-" + n + ".log"),
        resources.get(0), "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
        args.toArray(String[]::new));
    taskManagers.add(tm);
    return tm;
  }

  /** The TaskManager processes started so far (alive or not), oldest first. */
  public synchronized List<Process> taskManagers() {
    return List.copyOf(taskManagers);
  }

  public Process jobManager() {
    return jobManager;
  }

  public int restPort() {
    return restPort;
  }

  /** {@code host:port} of the REST endpoint, as {@code job --target remote --jobmanager} takes it. */
  public String jobManagerAddress() {
    return "localhost:" + restPort;
  }

  public Path workDir() {
    return workDir;
  }

  /** What each process's Prometheus reporter logs once it listens. */
  private static final Pattern REPORTER_STARTED =
      Pattern.compile("Started PrometheusReporter HTTP server on port (\\d+)");

  /**
   * Process ({@code jobmanager}, {@code taskmanager-0}, ...) → the port its Prometheus reporter
   * listens on, read from the processes' logs (the reporter takes the first free port of the range,
   * so only it knows); a process whose reporter found no free port is missing. Empty when the
   * reporter is off.
   */
  public Map<String, Integer> metricsPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    List<String> processes = new ArrayList<>();
    processes.add("jobmanager");
    for (int i = 0; i < taskManagers().size(); i++) {
      processes.add("taskmanager-" + i);
    }
    for (String process : processes) {
      try {
        Path log = workDir.resolve("log").resolve(process + ".log");
        if (Files.exists(log)) {
          Matcher m = REPORTER_STARTED.matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
          if (m.find()) {
            ports.put(process, Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        // a log being rotated or removed at close: that process's port is unknown
      }
    }
    return ports;
  }

  /** GET on the REST API, e.g. {@code /overview}; the body, or empty while the endpoint is not up. */
  public String rest(String path) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://localhost:" + restPort + path)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Slots registered with the JobManager now (from {@code /overview}); -1 while it is not up. */
  public int registeredSlots() {
    Matcher m = Pattern.compile("\"slots-total\"\\s*:\\s*(\\d+)").matcher(rest("/overview"));
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** Waits until {@code slots} slots are registered. */
  public void awaitSlots(int slots, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (registeredSlots() < slots) {
      if (!jobManager.isAlive()) {
        throw new IllegalStateException("the JobManager exited with code " + jobManager.exitValue());
      }
      if (!taskManagers().isEmpty() && taskManagers().stream().noneMatch(Process::isAlive)) {
        throw new IllegalStateException("every TaskManager exited");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(slots + " slots were not registered after "
            + timeout.toSeconds() + " s (registered: " + registeredSlots() + ")");
      }
      sleep(200);
    }
  }

  /** The last lines of every process's log, for error messages. */
  public String logTails(int lines) {
    StringBuilder sb = new StringBuilder();
    try (var logs = Files.list(workDir.resolve("log"))) {
      for (Path log : logs.sorted().toList()) {
        List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        sb.append("--- ").append(log.getFileName()).append(" ---\n");
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> sb.append(l).append('\n'));
      }
    } catch (IOException e) {
      sb.append("(no logs: ").append(e.getMessage()).append(")\n");
    }
    return sb.toString();
  }

  /** Stops every TaskManager and the JobManager (SIGTERM, then SIGKILL) and removes the work dir. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Process> flink = new ArrayList<>(taskManagers);
    flink.add(jobManager);
    stop(flink);
    if (zooKeeper != null) {
      stop(List.of(zooKeeper)); // after Flink's processes, which talk to it while they stop
    }
    if (ownWorkDir) {
      EmbeddedKafkaBroker.deleteRecursively(workDir);
    }
  }

  /** SIGTERM to all, then SIGKILL to any still running after 30 s. */
  private static void stop(List<Process> processes) {
    processes.forEach(Process::destroy);
    for (Process p : processes) {
      try {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- processes and configuration ----------------------------------------------------------

  /**
   * The TaskManager JVM's heap, direct and metaspace limits and the resource settings Flink's own
   * start scripts pass it (both derived by {@code BashJavaUtils} from the configuration), so the
   * memory model the TaskManager computes matches the JVM it runs in: [JVM args, program args].
   */
  private List<List<String>> taskManagerResources() throws IOException {
    Process p = new ProcessBuilder(javaBin(), "-cp", classpath,
        "org.apache.flink.runtime.util.bash.BashJavaUtils", "GET_TM_RESOURCE_PARAMS",
        "--configDir", confDir.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      p.waitFor(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String> results = out.lines().filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
        .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length())).toList();
    if (results.size() < 2) {
      throw new IOException("Flink's BashJavaUtils gave no TaskManager memory settings:\n" + out);
    }
    return List.of(List.of(results.get(0).trim().split("\\s+")),
        List.of(results.get(1).trim().split("\\s+")));
  }

  private static Process java(String classpath, Path confDir, Path logFile, List<String> jvmArgs,
      String mainClass, String... args) throws IOException {
    Files.createDirectories(logFile.getParent());
    List<String> command = new ArrayList<>();
    command.add(javaBin());
    command.addAll(jvmArgs);
    // the work dir's tmp/ as the JVM's temp dir too: ONNX Runtime's native library and other
    // temp files go where close() removes them, even from a process that was killed
    command.add("-Djava.io.tmpdir=" + Files.createDirectories(confDir.resolveSibling("tmp")));
    command.add("-Dlog.file=" + logFile);
    command.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
    command.addAll(List.of("-cp", classpath, mainClass));
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.resolveSibling(logFile.getFileName() + ".out").toFile()))
        .start();
  }

  private static String javaBin() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  static String configYaml(Path workDir, int restPort, Options options) throws IOException {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "localhost");
    c.put("jobmanager.rpc.port", Integer.toString(JobCommand.freePort()));
    c.put("jobmanager.bind-host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    c.put("taskmanager.host", "localhost");
    c.put("rest.address", "localhost");
    c.put("rest.bind-address", "localhost");
    c.put("rest.port", Integer.toString(restPort));
    c.put("jobmanager.memory.process.size", "1024m");
    c.put("taskmanager.memory.process.size", options.taskManagerProcessSize);
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(options.slotsPerTaskManager));
    c.put("io.tmp.dirs", Files.createDirectories(workDir.resolve("tmp")).toString());
    c.put("web.tmpdir", workDir.resolve("web").toString());
    c.put("blob.storage.directory", workDir.resolve("blobs").toString());
    // prefer spreading a job's subtasks over the TaskManagers (Flink does not promise it)
    c.put("cluster.evenly-spread-out-slots", "true");
    // The processes run from our own classpath (the CLI jar, or a test's), which already holds the
    // job and its connectors: a submitted jar's copies, loaded child-first, would be second copies
    // of classes the cluster has loaded (a ClassCastException on Kafka's OffsetResetStrategy)
    c.put("classloader.resolve-order", "parent-first");
    // a lost TaskManager is noticed in seconds, not the default minute
    c.put("heartbeat.timeout", "10000");
    c.put("heartbeat.interval", "2000");
    if (!options.metricsPorts.off()) {
      c.put(FlinkPrometheus.FACTORY_KEY, FlinkPrometheus.FACTORY);
      c.put(FlinkPrometheus.PORT_KEY, options.metricsPorts.flinkValue());
    }
    c.putAll(options.config);
    StringBuilder sb = new StringBuilder("# written by elasticast cluster\n");
    c.forEach((k, v) -> sb.append(k).append(": \"").append(v).append("\"\n"));
    return sb.toString();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static final String LOG4J = String.join("\n",
      "rootLogger.level = INFO",
      "rootLogger.appenderRef.file.ref = MainAppender",
      "appender.main.name = MainAppender",
      "appender.main.type = File",
      "appender.main.fileName = ${sys:log.file}",
      "appender.main.layout.type = PatternLayout",
      "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
      "logger.pekko.name = org.apache.pekko",
      "logger.pekko.level = WARN",
      "logger.kafka.name = org.apache.kafka",
      "logger.kafka.level = WARN",
      "");
}
