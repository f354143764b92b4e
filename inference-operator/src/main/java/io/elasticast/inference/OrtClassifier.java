package io.elasticast.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A handle on the JVM's ONNX Runtime session of an exported ElasticAST graph; runs packed calls on
 * it. Opening verifies the ONNX file's sha256 against model.json and the graph's inputs/outputs
 * against the serving contract. Every tensor and result lives inside one {@link #run} call.
 *
 * <p><b>One session per JVM.</b> Handles of the same model file and options share one native
 * session (one copy of the weights, one intra-op thread pool for the machine), counted by users:
 * the last {@link #close} closes it, and a later {@link #open} loads it again. Runs are
 * thread-safe (ONNX Runtime allows concurrent {@code Run} calls on one session), so the parallel
 * subtasks of a TaskManager each hold a handle and call it from their own threads. Flink loads a
 * job's classes once per TaskManager and job, so the sharing is per TaskManager and job. The
 * thread pool does not spin between calls ({@code session.intra_op.allow_spinning = 0}): on a
 * machine that the featurizer, Kafka clients and other subtasks share, spinning threads take
 * the cores the rest need.
 */
public final class OrtClassifier implements PackedRunner, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OrtClassifier.class);

  /** How to run the session. */
  public record Options(int intraOpThreads, boolean cuda, int cudaDevice) {

    public static Options cpu(int intraOpThreads) {
      return new Options(intraOpThreads, false, 0);
    }

    public static Options cudaIfAvailable(int intraOpThreads) {
      return new Options(intraOpThreads, true, 0);
    }

    /**
     * Intra-op threads of the session: the request, at most the cores this JVM may use; all of
     * them for a request of 0 or less. One session serves every subtask, so more threads than
     * cores would only queue behind each other.
     */
    public int threads() {
      int cores = Runtime.getRuntime().availableProcessors();
      return intraOpThreads <= 0 ? cores : Math.min(intraOpThreads, cores);
    }
  }

  /** What makes two handles share a session: the same file, bytes and options. */
  private record SessionKey(Path onnx, String sha256, int threads, boolean cuda, int cudaDevice) {}

  /** One native session and the handles that use it. */
  private static final class SharedSession {
    final SessionKey key;
    final OrtSession.SessionOptions options;
    final OrtSession session;
    final boolean onCuda;
    int users;

    SharedSession(SessionKey key, OrtSession.SessionOptions options, OrtSession session,
        boolean onCuda) {
      this.key = key;
      this.options = options;
      this.session = session;
      this.onCuda = onCuda;
    }
  }

  /**
   * Calibrations by session key, kept after their session closes: the same model on the same
   * threads of the same machine costs the same when it is opened again. Guarded by itself.
   */
  private static final Map<SessionKey, CostCalibration.Result> CALIBRATIONS = new java.util.HashMap<>();

  /** The open sessions of this JVM (of this class loader); guarded by itself. */
  private static final Map<SessionKey, SharedSession> SESSIONS = new java.util.HashMap<>();

  private final ModelConfig config;
  private final OrtEnvironment env;
  private final SharedSession shared;
  private volatile boolean closed;

  private OrtClassifier(ModelConfig config, OrtEnvironment env, SharedSession shared) {
    this.config = config;
    this.env = env;
    this.shared = shared;
  }

  /**
   * A handle on the session of {@code config}'s model, loading it if no handle holds it yet;
   * {@link InvalidModelException} if the file is not the one described.
   */
  public static OrtClassifier open(ModelConfig config, Options options) {
    verifySha256(config);
    OrtEnvironment env = environment();
    SessionKey key = new SessionKey(config.onnxPath().toAbsolutePath().normalize(), config.sha256(),
        options.threads(), options.cuda(), options.cudaDevice());
    synchronized (SESSIONS) {
      SharedSession shared = SESSIONS.get(key);
      if (shared == null) {
        shared = load(config, options, env, key);
        SESSIONS.put(key, shared);
      }
      shared.users++;
      return new OrtClassifier(config, env, shared);
    }
  }

  private static SharedSession load(ModelConfig config, Options options, OrtEnvironment env,
      SessionKey key) {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    try {
      so.setIntraOpNumThreads(key.threads());
      so.setInterOpNumThreads(1);
      so.addConfigEntry("session.intra_op.allow_spinning", "0");
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      boolean onCuda = options.cuda() && addCuda(so, options.cudaDevice());
      OrtSession session = env.createSession(config.onnxPath().toString(), so);
      try {
        checkSignature(config, session);
      } catch (RuntimeException e) {
        session.close();
        throw e;
      }
      LOG.info("loaded {} ({}) on {} with {} intra-op threads, shared by this JVM's users; inputs {}",
          config.onnxFile(), config.modelId(), onCuda ? "CUDA" : "CPU", key.threads(),
          session.getInputNames());
      return new SharedSession(key, so, session, onCuda);
    } catch (OrtException e) {
      so.close();
      throw new InvalidModelException("ONNX Runtime cannot load " + config.onnxPath() + ": "
          + e.getMessage(), e);
    } catch (RuntimeException e) {
      so.close();
      throw e;
    }
  }

  /** Open handles on the sessions of {@code config}'s ONNX file, all options together (tests). */
  static int usersOf(ModelConfig config) {
    Path onnx = config.onnxPath().toAbsolutePath().normalize();
    synchronized (SESSIONS) {
      return SESSIONS.values().stream().filter(s -> s.key.onnx().equals(onnx))
          .mapToInt(s -> s.users).sum();
    }
  }

  /** Native sessions open on {@code config}'s ONNX file (tests). */
  static int sessionsOf(ModelConfig config) {
    Path onnx = config.onnxPath().toAbsolutePath().normalize();
    synchronized (SESSIONS) {
      return (int) SESSIONS.keySet().stream().filter(k -> k.onnx().equals(onnx)).count();
    }
  }

  /** Open handles on this handle's session, this one included while it is open. */
  int sessionUsers() {
    synchronized (SESSIONS) {
      return shared.users;
    }
  }

  /** Whether this handle and {@code other} run on the same native session. */
  boolean sharesSessionWith(OrtClassifier other) {
    return shared == other.shared;
  }

  /**
   * What calls cost on this session, measured once per session on first use
   * ({@link CostCalibration}: a fraction of a second of synthetic calls) and shared by every
   * handle: the planner's prices on this machine, at this thread count.
   */
  public PackPlanner.CostModel costModel() {
    return calibration().model();
  }

  /** The calibration behind {@link #costModel()}, with what each probe measured. */
  public CostCalibration.Result calibration() {
    synchronized (CALIBRATIONS) {
      CostCalibration.Result result = CALIBRATIONS.get(shared.key);
      if (result == null) {
        long start = System.nanoTime();
        result = CostCalibration.calibrate(this, config);
        CALIBRATIONS.put(shared.key, result);
        LOG.info("calls on {} ({} threads) cost: {}; calibrated in {} ms, worst probe off by {}%",
            config.onnxFile(), threads(), result.model(), (System.nanoTime() - start) / 1_000_000,
            Math.round(100 * result.worstRelativeError()));
      }
      return result;
    }
  }

  /** Intra-op threads of the session. */
  public int threads() {
    return shared.key.threads();
  }

  /**
   * The process-wide ORT environment, first created on a thread with a deep stack: loading the
   * native library and creating the environment segfaulted (no JVM crash log) on a default 1 MB
   * main thread when the class path is long (the app's ~120 jars), and ran fine at 4 MB.
   */
  static OrtEnvironment environment() {
    if (!environmentReady) {
      synchronized (OrtClassifier.class) {
        if (!environmentReady) {
          Throwable[] failure = new Throwable[1];
          Thread init = new Thread(null, () -> {
            try {
              OrtEnvironment.getEnvironment();
            } catch (Throwable t) {
              failure[0] = t;
            }
          }, "onnxruntime-init", NATIVE_INIT_STACK_BYTES);
          init.start();
          try {
            init.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading ONNX Runtime", e);
          }
          if (failure[0] != null) {
            throw new IllegalStateException("ONNX Runtime failed to load: " + failure[0], failure[0]);
          }
          removeNativeTempDirOnExit();
          environmentReady = true;
        }
      }
    }
    return OrtEnvironment.getEnvironment();
  }

  /**
   * ONNX Runtime extracts its native libraries into a fresh {@code onnxruntime-java*} temp dir and
   * leaves that dir behind (its delete-on-exit order removes the files after the dir), one per
   * process. Removes this process's dir at exit; nothing loads from it after start-up but a GPU
   * provider, and that happens when a session is created, long before exit.
   */
  static void removeNativeTempDirOnExit() {
    Path dir = nativeTempDir();
    if (dir != null) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "onnxruntime-temp-cleanup"));
    }
  }

  /** ONNX Runtime's extraction dir of this process (a private static field), or null. */
  static Path nativeTempDir() {
    try {
      java.lang.reflect.Field f = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("tempDirectory");
      f.setAccessible(true);
      Object dir = f.get(null);
      return dir instanceof Path p && p.getFileName().toString().startsWith("onnxruntime-java") ? p : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // another ORT version: nothing to clean, nothing broken
    }
  }

  private static void deleteTree(Path dir) {
    try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException | RuntimeException ignored) {
      // already gone, or not ours to delete
    }
  }

  private static final long NATIVE_INIT_STACK_BYTES = 64L << 20;
  private static volatile boolean environmentReady;

  private static boolean addCuda(OrtSession.SessionOptions so, int device) {
    if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      warnOnce("CUDA execution provider requested but this ONNX Runtime build has none "
          + "(build with -Pgpu on a CUDA machine); running on CPU");
      return false;
    }
    try {
      so.addCUDA(device);
      return true;
    } catch (OrtException e) {
      warnOnce("CUDA execution provider unavailable (" + e.getMessage() + "); running on CPU");
      return false;
    }
  }

  /** One warning per JVM, not one per parallel subtask that opens a session. */
  private static void warnOnce(String message) {
    if (CPU_FALLBACK_WARNED.compareAndSet(false, true)) {
      LOG.warn(message);
    }
  }

  private static final java.util.concurrent.atomic.AtomicBoolean CPU_FALLBACK_WARNED =
      new java.util.concurrent.atomic.AtomicBoolean();

  static void verifySha256(ModelConfig config) {
    Path onnx = config.onnxPath();
    if (!Files.isRegularFile(onnx)) {
      throw new InvalidModelException("model file " + onnx + " named by model.json does not exist");
    }
    String actual = sha256(onnx);
    if (!actual.equalsIgnoreCase(config.sha256())) {
      throw new InvalidModelException("sha256 of " + onnx + " is " + actual + " but model.json says "
          + config.sha256() + ": the model file and its config do not belong together");
    }
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new InvalidModelException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JVM without SHA-256", e);
    }
  }

  private static void checkSignature(ModelConfig config, OrtSession session) throws OrtException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    if (!inputs.keySet().containsAll(ModelConfig.CONTRACT_INPUTS)
        || !config.inputs().containsAll(ModelConfig.CONTRACT_INPUTS)) {
      throw new InvalidModelException("graph inputs " + inputs.keySet() + ", model.json inputs "
          + config.inputs() + "; the serving contract needs " + ModelConfig.CONTRACT_INPUTS);
    }
    for (String name : ModelConfig.CONTRACT_INPUTS) {
      OnnxJavaType expected = name.equals("patches") ? OnnxJavaType.FLOAT : OnnxJavaType.INT64;
      if (!(inputs.get(name).getInfo() instanceof TensorInfo t) || t.type != expected) {
        throw new InvalidModelException("graph input '" + name + "' is " + inputs.get(name).getInfo()
            + ", the serving contract needs a " + expected + " tensor");
      }
    }
    if (!session.getOutputNames().contains(ModelConfig.CONTRACT_OUTPUT)) {
      throw new InvalidModelException("graph outputs " + session.getOutputNames()
          + " lack '" + ModelConfig.CONTRACT_OUTPUT + "'");
    }
  }

  /**
   * Runs one packed call; returns logits [windows][classes] in the batch's sample-id order.
   * Thread-safe: handles on one session may run at the same time.
   */
  @Override
  public float[][] run(PackedBatchEncoder.PackedBatch batch) {
    if (closed) {
      throw new IllegalStateException("this handle on " + config.onnxFile() + " is closed");
    }
    int classes = config.numClasses();
    Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    try (OnnxTensor patches = OnnxTensor.createTensor(env, batch.patches(),
            batch.patchesShape(config.patchSize() * config.patchSize()));
        OnnxTensor freqPos = OnnxTensor.createTensor(env, batch.freqPos(), new long[] {batch.tokens()});
        OnnxTensor timePos = OnnxTensor.createTensor(env, batch.timePos(), new long[] {batch.tokens()});
        OnnxTensor sampleIds = OnnxTensor.createTensor(env, batch.sampleIds(), new long[] {batch.tokens()});
        OnnxTensor rows = OnnxTensor.createTensor(env, batch.rows(), batch.rowsShape())) {
      inputs.put("patches", patches);
      inputs.put("freq_pos", freqPos);
      inputs.put("time_pos", timePos);
      inputs.put("sample_ids", sampleIds);
      inputs.put("rows", rows);
      try (OrtSession.Result result = shared.session.run(inputs, java.util.Set.of(ModelConfig.CONTRACT_OUTPUT))) {
        OnnxTensor logits = (OnnxTensor) result.get(ModelConfig.CONTRACT_OUTPUT)
            .orElseThrow(() -> new IllegalStateException("no logits in the result"));
        long[] shape = logits.getInfo().getShape();
        if (shape.length != 2 || shape[0] != batch.windows() || shape[1] != classes) {
          throw new IllegalStateException("logits shape " + java.util.Arrays.toString(shape)
              + ", expected [" + batch.windows() + ", " + classes + "]");
        }
        FloatBuffer flat = logits.getFloatBuffer();
        float[][] out = new float[batch.windows()][classes];
        for (float[] row : out) {
          flat.get(row);
        }
        return out;
      }
    } catch (OrtException e) {
      throw new InferenceException("ONNX Runtime failed on a call of " + batch.windows()
          + " windows, " + batch.tokens() + " tokens, rows " + batch.rowCount() + "x"
          + batch.width() + ": " + e.getMessage(), e);
    }
  }

  public boolean onCuda() {
    return shared.onCuda;
  }

  public ModelConfig config() {
    return config;
  }

  public List<String> inputNames() throws OrtException {
    return List.copyOf(shared.session.getInputNames());
  }

  /**
   * Gives this handle up (again: nothing); the last handle of a session closes the session. The
   * caller makes sure none of its own runs is still in flight, as for any resource it closes.
   */
  @Override
  public void close() {
    synchronized (SESSIONS) {
      if (closed) {
        return;
      }
      closed = true;
      if (--shared.users > 0) {
        return;
      }
      SESSIONS.remove(shared.key);
    }
    try {
      shared.session.close();
    } catch (OrtException e) {
      LOG.warn("closing the ONNX Runtime session failed: {}", e.getMessage());
    }
    shared.options.close();
  }

  /** A runtime failure of one call (not a configuration problem). */
  public static final class InferenceException extends RuntimeException {
    public InferenceException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
