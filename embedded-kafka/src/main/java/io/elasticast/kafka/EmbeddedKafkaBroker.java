package io.elasticast.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Kafka broker (KRaft, combined broker + controller, one node) in a child JVM.
 *
 * <p>The broker runs from the Maven-resolved jars listed in {@code broker.classpath} (written at
 * build time), in its own JVM, so its Kafka version never meets the client version on the
 * caller's classpath. Ports are picked free; data lives in a temp directory deleted on close, or
 * in {@link Options#dataDir} where it is kept, so a broker started again on the same directory
 * (and port) has its topics, records, offsets and transaction state back.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  /** Logged by KafkaRaftServer once the broker serves requests. */
  static final String READY_LINE = "Kafka Server started";
  static final String CLASSPATH_RESOURCE = "broker.classpath";
  static final String REPO_PLACEHOLDER = "@M2_REPO@";

  private final Path workDir;
  private final Path dataDir;
  private Tls tls;
  private final Process process;
  private final int port;
  private final Path logFile;
  private final Thread shutdownHook;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean closed;

  /**
   * How long the JVM-exit safety net waits for the owner's own {@link #close}: an owner shutting
   * down in order (the demo on Ctrl-C) still needs the broker to flush, commit and abort, and
   * JVM shutdown hooks run all at once.
   */
  static final Duration OWNER_CLOSE_GRACE = Duration.ofSeconds(20);

  private EmbeddedKafkaBroker(Path workDir, Path dataDir, Process process, int port, Path logFile) {
    this.workDir = workDir;
    this.dataDir = dataDir;
    this.process = process;
    this.port = port;
    this.logFile = logFile;
    this.shutdownHook = new Thread(() -> {
      try {
        if (stopped.await(OWNER_CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      stopQuietly();
    }, "embedded-kafka-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a broker with default options and waits until it serves requests. */
  public static EmbeddedKafkaBroker start() {
    return start(Options.defaults());
  }

  public static EmbeddedKafkaBroker start(Options options) {
    List<Path> classpath = brokerClasspath(localMavenRepository());
    Path workDir;
    try {
      workDir = Files.createTempDirectory("elasticast-kafka-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temp dir for the broker", e);
    }
    Path logFile = workDir.resolve("broker.log");
    try {
      int port = options.port > 0 ? options.port : freePort();
      Path dataDir = options.dataDir != null ? options.dataDir.toAbsolutePath() : workDir.resolve("data");
      if (options.dataDir != null) {
        checkDataDir(dataDir);
      }
      if (options.port > 0) {
        requireFreePort(options.port);
      }
      Files.createDirectories(dataDir);
      int controllerPort = controllerPort(options.dataDir == null ? null : dataDir);
      Path props = workDir.resolve("server.properties");
      Files.writeString(props, serverProperties(dataDir, port, controllerPort, options));
      Path log4j = workDir.resolve("log4j2.properties");
      Files.writeString(log4j, LOG4J2);
      String cp = String.join(java.io.File.pathSeparator, classpath.stream().map(Path::toString).toList());

      // Format the storage directory: KRaft refuses to start on an unformatted log dir. A kept
      // data dir is formatted once; later starts reuse it with its cluster id.
      if (!Files.exists(dataDir.resolve("meta.properties"))) {
        Process format = javaProcess(cp, log4j, options, "kafka.tools.StorageTool",
            "format", "-t", randomClusterId(), "-c", props.toString(), "--ignore-formatted")
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
          format.destroyForcibly();
          throw new BrokerStartException("formatting the broker's storage failed", logFile);
        }
      }

      Process server = ignoringCtrlC(javaProcess(cp, log4j, options, "kafka.Kafka", props.toString()))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
          .start();
      EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(workDir, dataDir, server, port, logFile);
      broker.tls = options.tls;
      try {
        broker.awaitReady(options.startTimeout);
      } catch (RuntimeException e) {
        broker.close();
        throw e;
      }
      return broker;
    } catch (IOException e) {
      deleteRecursively(workDir);
      throw new UncheckedIOException("cannot start the embedded Kafka broker", e);
    } catch (BrokerStartException e) {
      // The message already carries the log tail; nothing of a failed start stays on disk.
      deleteRecursively(workDir);
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      deleteRecursively(workDir);
      throw new IllegalStateException("interrupted while starting the embedded Kafka broker", e);
    }
  }

  /**
   * What a client needs besides {@link #bootstrapServers} to reach this broker: nothing for a
   * plaintext broker, the TLS settings for one started with {@link Options#tls}.
   */
  public Map<String, String> clientProperties() {
    return tls == null ? Map.of() : tls.clientProperties();
  }

  /** {@code host:port} for clients' {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /**
   * Creates topics (one replica) and waits until they exist. Uses the caller's kafka-clients
   * (every caller that talks to Kafka has it); an existing topic is left as it is.
   */
  public void createTopics(Map<String, Integer> partitionsByTopic) {
    Map<String, Object> config = new java.util.HashMap<>(clientProperties());
    config.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(config)) {
      List<org.apache.kafka.clients.admin.NewTopic> topics = new ArrayList<>();
      partitionsByTopic.forEach((name, partitions) ->
          topics.add(new org.apache.kafka.clients.admin.NewTopic(name, partitions, (short) 1)));
      var result = admin.createTopics(topics);
      for (var entry : result.values().entrySet()) {
        try {
          entry.getValue().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + entry.getKey() + ": "
                + e.getCause().getMessage(), e.getCause());
          }
        } catch (java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException("timed out creating topic " + entry.getKey(), e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted creating topic " + entry.getKey(), e);
        }
      }
    }
  }

  public void createTopic(String name, int partitions) {
    createTopics(Map.of(name, partitions));
  }

  /** The broker's config and log directory (deleted on close); its data too unless kept. */
  public Path workDir() {
    return workDir;
  }

  /** Where the broker's log segments and metadata live: {@link Options#dataDir} or a temp dir. */
  public Path dataDir() {
    return dataDir;
  }

  public boolean isRunning() {
    return !closed && process.isAlive();
  }

  /** The broker JVM's process id (for tests that signal it, benchmarks that count its CPU). */
  public long pid() {
    return process.pid();
  }

  /** The last {@code lines} lines of the broker's log, for error messages. */
  public String logTail(int lines) {
    return tail(logFile, lines);
  }

  @Override
  public void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running or has run; nothing to remove.
    }
  }

  private synchronized void stopQuietly() {
    if (closed) {
      return;
    }
    closed = true;
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    deleteRecursively(workDir);
    stopped.countDown();
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new BrokerStartException(
            "the broker process exited with code " + process.exitValue(), logFile);
      }
      if (logContains(READY_LINE) && acceptsConnections()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new BrokerStartException("the broker was not ready after " + timeout.toSeconds() + " s", logFile);
  }

  private boolean logContains(String text) {
    try {
      return Files.exists(logFile) && Files.readString(logFile, StandardCharsets.ISO_8859_1).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  private boolean acceptsConnections() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  // ---- configuration -------------------------------------------------------------------------

  /** Broker options; {@link #defaults()} suits tests and the demo. */
  public static final class Options {
    int port;
    int defaultPartitions = 1;
    String heap = "-Xmx512m";
    /** A small heap, the serial GC and C1 only: starts fast, for tests; see {@link #forThroughput}. */
    boolean quickStart = true;
    Duration startTimeout = Duration.ofSeconds(60);
    Path dataDir;
    Tls tls;
    final Map<String, String> overrides = new TreeMap<>();

    public static Options defaults() {
      return new Options();
    }

    /** A fixed client port (0 = pick a free one). */
    public Options port(int port) {
      this.port = port;
      return this;
    }

    public Options defaultPartitions(int partitions) {
      this.defaultPartitions = partitions;
      return this;
    }

    /**
     * A broker tuned to carry load rather than to start fast: 1 GB of heap, the JVM's default
     * collector and its optimising compiler (C1 alone runs Kafka's request path several times
     * slower). For benchmarks and a broker that serves a real pipeline.
     */
    public Options forThroughput() {
      this.heap = "-Xmx1g";
      this.quickStart = false;
      return this;
    }

    public Options heap(String xmx) {
      this.heap = xmx;
      return this;
    }

    public Options startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /**
     * Keep the broker's data in {@code dir} across restarts (not deleted on close): a new or empty
     * dir is formatted, one of ours is reused as it is. Give a fixed {@link #port} and start it
     * again with the same one, so that clients find it where they left it (another port works
     * too: the broker re-registers its listener).
     */
    public Options dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /**
     * Clients must speak TLS: the client port is an SSL listener with {@code tls}'s key (the broker
     * talks to itself over it too); a plaintext client is refused. See {@link Tls#generate}.
     */
    public Options tls(Tls tls) {
      this.tls = tls;
      return this;
    }

    /** Any broker property, written last into server.properties. */
    public Options property(String key, String value) {
      overrides.put(key, value);
      return this;
    }
  }

  /**
   * A free port for the KRaft controller; for a kept data dir the one it used before (stored next
   * to its data), so the quorum's single voter stays where it was. Should another process hold
   * that port now, a new one will do: with a static single-voter quorum the controller's address
   * is configuration, not part of the stored metadata.
   */
  static int controllerPort(Path keptDataDir) throws IOException {
    if (keptDataDir == null) {
      return freePort();
    }
    Path file = keptDataDir.resolve(CONTROLLER_PORT_FILE);
    if (Files.exists(file)) {
      try {
        int stored = Integer.parseInt(Files.readString(file).trim());
        if (isFree(stored)) {
          return stored;
        }
      } catch (NumberFormatException unreadable) {
        // written by us, so only a damaged file gets here: replace it
      }
    }
    int port = freePort();
    Files.writeString(file, Integer.toString(port));
    return port;
  }

  static final String CONTROLLER_PORT_FILE = "embedded-controller.port";
  /** The one KRaft node's id: a kept data dir's meta.properties must name it. */
  static final String NODE_ID = "1";
  /** What a first start leaves in a data dir before formatting completes; such a dir is fresh. */
  private static final Set<String> FORMAT_LEFTOVERS = Set.of(CONTROLLER_PORT_FILE, "bootstrap.checkpoint");

  /**
   * Refuses, with a plain message and before any broker runs, a kept data dir the broker would
   * fail on with a stack trace in its log, or one it would write into although it isn't its own:
   * a file, a non-empty directory of other things, another Kafka's data, or a dir a running
   * broker holds. A missing, empty or half-formatted dir is fine (it is formatted), and so is one
   * of our brokers' dirs (whatever port that broker had: a restarted broker re-registers its
   * listener).
   */
  static void checkDataDir(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new BrokerStartException("the data dir " + dir + " is not a directory");
    }
    Path meta = dir.resolve("meta.properties");
    if (!Files.exists(meta)) {
      List<String> foreign;
      try (Stream<Path> entries = Files.list(dir)) {
        foreign = entries.map(p -> p.getFileName().toString())
            .filter(name -> !FORMAT_LEFTOVERS.contains(name)).sorted().limit(5).toList();
      }
      if (!foreign.isEmpty()) {
        throw new BrokerStartException("the data dir " + dir + " is not empty and holds no broker's"
            + " data (no meta.properties; it has " + String.join(", ", foreign)
            + "): give a new or empty directory");
      }
      return;
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(meta)) {
      p.load(in);
    }
    if (!"1".equals(p.getProperty("version")) || !NODE_ID.equals(p.getProperty("node.id"))) {
      throw new BrokerStartException("the data dir " + dir + " holds another Kafka's data"
          + " (meta.properties: version=" + p.getProperty("version") + ", node.id="
          + p.getProperty("node.id", p.getProperty("broker.id")) + ", cluster.id="
          + p.getProperty("cluster.id") + "; this broker is KRaft node " + NODE_ID
          + "): give a new or empty directory");
    }
    if (heldByARunningBroker(dir)) {
      throw new BrokerStartException("the data dir " + dir + " is in use by a running broker"
          + " (it holds " + dir.resolve(".lock") + "): stop that one first");
    }
  }

  /** Kafka holds a file lock on {@code .lock} in each log dir while it runs. */
  private static boolean heldByARunningBroker(Path dir) throws IOException {
    Path lockFile = dir.resolve(".lock");
    if (!Files.exists(lockFile)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (OverlappingFileLockException heldInThisJvm) {
      return true;
    }
  }

  /** A fixed client port someone else holds fails here, not as a bind error deep in the log. */
  private static void requireFreePort(int port) {
    if (!isFree(port)) {
      throw new BrokerStartException("port " + port + " on 127.0.0.1 is in use by another process");
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static String serverProperties(Path dataDir, int port, int controllerPort, Options options) {
    Map<String, String> p = new TreeMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", NODE_ID);
    p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    String client = options.tls == null ? "PLAINTEXT" : "SSL";
    p.put("listeners", client + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", client + "://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", client);
    p.put("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:PLAINTEXT");
    if (options.tls != null) {
      p.putAll(options.tls.brokerProperties());
    }
    p.put("log.dirs", dataDir.toString());
    p.put("num.partitions", Integer.toString(options.defaultPartitions));
    // One node: every internal topic must make do with one replica.
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "4");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "4");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "true");
    // Flink's exactly-once sink needs transaction timeouts up to 15 minutes.
    p.put("transaction.max.timeout.ms", "900000");
    // Records carry the audio's event time as their timestamp (the job's outputs do), and that may
    // be long past: a replayed recording, a backfill, a test fixture. Time retention would delete
    // them at the broker's first retention check, 30 s after it starts. A development broker keeps
    // everything; a production cluster sets its own retention.
    p.put("log.retention.ms", "-1");
    p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
    p.putAll(options.overrides);
    StringBuilder sb = new StringBuilder();
    p.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    return sb.toString();
  }

  private static final String LOG4J2 = String.join("\n",
      "status = warn",
      "appender.console.type = Console",
      "appender.console.name = STDOUT",
      "appender.console.layout.type = PatternLayout",
      "appender.console.layout.pattern = [%d] %p %m (%c)%n",
      "rootLogger.level = INFO",
      "rootLogger.appenderRef.stdout.ref = STDOUT",
      "logger.kafka.name = org.apache.kafka",
      "logger.kafka.level = WARN",
      "logger.raftserver.name = kafka.server.KafkaRaftServer",
      "logger.raftserver.level = INFO",
      "");

  /**
   * Starts the command with SIGINT ignored (through {@code /bin/sh}, where there is one). A
   * terminal's Ctrl-C goes to the whole foreground process group: without this the broker would
   * die at once while its owner is still shutting down in order and needs it (to flush, commit,
   * abort). SIGTERM and SIGHUP still stop it, and so does its owner's {@link #close}.
   */
  static ProcessBuilder ignoringCtrlC(ProcessBuilder pb) {
    if (!Files.isExecutable(Paths.get("/bin/sh"))) {
      return pb;
    }
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "trap '' INT; exec \"$0\" \"$@\""));
    cmd.addAll(pb.command());
    return pb.command(cmd);
  }

  private static ProcessBuilder javaProcess(String classpath, Path log4j, Options options,
      String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add(options.heap);
    if (options.quickStart) {
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-XX:TieredStopAtLevel=1");
    }
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-Dlog4j2.configurationFile=" + log4j.toUri());
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true);
  }

  // ---- classpath -----------------------------------------------------------------------------

  static Path localMavenRepository() {
    String configured = System.getProperty("maven.repo.local");
    if (configured != null && !configured.isBlank()) {
      return Paths.get(configured);
    }
    return Paths.get(System.getProperty("user.home"), ".m2", "repository");
  }

  /** The broker's jars, resolved against {@code repo}; a clear error if any is missing. */
  static List<Path> brokerClasspath(Path repo) {
    String listing;
    try (InputStream in = EmbeddedKafkaBroker.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(CLASSPATH_RESOURCE + " is missing from the classpath: "
            + "build the embedded-kafka module with Maven (mvn install) first");
      }
      listing = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Path> jars = new ArrayList<>();
    List<Path> missing = new ArrayList<>();
    for (String entry : listing.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      Path jar = Paths.get(entry.trim().replace(REPO_PLACEHOLDER, repo.toString()));
      (Files.isRegularFile(jar) ? jars : missing).add(jar);
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("the Kafka broker's jars are not in the local Maven repository "
          + repo + " (" + missing.size() + " missing, e.g. " + missing.get(0)
          + "): run `mvn -pl embedded-kafka install` once with network access");
    }
    return jars;
  }

  // ---- helpers -------------------------------------------------------------------------------

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /**
   * A random id as Kafka writes them (URL-safe base64 of 16 bytes), never starting with '-': the
   * storage tool's argument parser reads such an id as an option and fails the start (1 in 64).
   */
  static String randomClusterId() {
    SecureRandom random = new SecureRandom();
    byte[] b = new byte[16];
    String id;
    do {
      random.nextBytes(b);
      id = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    } while (id.startsWith("-"));
    return id;
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no broker log: " + e.getMessage() + ")";
    }
  }

  /** Deletes a directory tree, best effort (also used for other temp dirs of tests and the demo). */
  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a temp dir left behind is not worth failing a shutdown for.
    }
  }

  /**
   * The broker did not come up; the message says why, with the tail of its log where the broker
   * itself failed.
   */
  public static final class BrokerStartException extends IllegalStateException {
    BrokerStartException(String what, Path logFile) {
      this(what + "\n--- broker log (last 40 lines) ---\n" + tail(logFile, 40));
    }

    BrokerStartException(String what) {
      super("embedded Kafka broker failed to start: " + what);
    }
  }

  /**
   * A self-signed key for {@code 127.0.0.1} / {@code localhost} in a PKCS12 keystore and a
   * truststore holding its certificate, made with the JDK's keytool (tests and local TLS setups).
   */
  public record Tls(Path keystore, Path truststore, String password) {

    /** A new key pair and truststore in {@code dir}, valid for a day. */
    public static Tls generate(Path dir) {
      try {
        Files.createDirectories(dir);
        Path keystore = dir.resolve("broker.keystore.p12");
        Path truststore = dir.resolve("client.truststore.p12");
        Path cert = dir.resolve("broker.crt");
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(
            new SecureRandom().generateSeed(12));
        String keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048",
            "-validity", "1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
            "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password,
            "-keypass", password);
        run(keytool, "-exportcert", "-alias", "broker", "-keystore", keystore.toString(),
            "-storepass", password, "-rfc", "-file", cert.toString());
        run(keytool, "-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(),
            "-storetype", "PKCS12", "-keystore", truststore.toString(), "-storepass", password);
        return new Tls(keystore, truststore, password);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot make a TLS key in " + dir, e);
      }
    }

    private static void run(String... command) throws IOException {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      try {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IOException("keytool failed: " + out);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted running keytool", e);
      }
    }

    /** Client settings that trust this key: {@code security.protocol=SSL} and the truststore. */
    public Map<String, String> clientProperties() {
      Map<String, String> p = new TreeMap<>();
      p.put("security.protocol", "SSL");
      p.put("ssl.truststore.location", truststore.toString());
      p.put("ssl.truststore.password", password);
      p.put("ssl.truststore.type", "PKCS12");
      return p;
    }

    Map<String, String> brokerProperties() {
      Map<String, String> p = new TreeMap<>();
      p.put("ssl.keystore.location", keystore.toString());
      p.put("ssl.keystore.password", password);
      p.put("ssl.key.password", password);
      p.put("ssl.keystore.type", "PKCS12");
      p.put("ssl.truststore.location", truststore.toString());
      p.put("ssl.truststore.password", password);
      p.put("ssl.truststore.type", "PKCS12");
      p.put("ssl.client.auth", "none");
      return p;
    }
  }
}
