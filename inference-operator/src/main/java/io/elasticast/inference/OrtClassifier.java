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
 * Owns one ONNX Runtime session of the exported ElasticAST graph and runs packed calls on it.
 * Opening verifies the ONNX file's sha256 against model.json and the graph's inputs/outputs against
 * the serving contract. Every tensor and result lives inside one {@link #run} call.
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
  }

  private final ModelConfig config;
  private final OrtEnvironment env;
  private final OrtSession.SessionOptions sessionOptions;
  private OrtSession session;
  private final boolean onCuda;

  private OrtClassifier(ModelConfig config, OrtEnvironment env,
      OrtSession.SessionOptions sessionOptions, OrtSession session, boolean onCuda) {
    this.config = config;
    this.env = env;
    this.sessionOptions = sessionOptions;
    this.session = session;
    this.onCuda = onCuda;
  }

  /** Loads the model of {@code config}; {@link InvalidModelException} if it is not the one described. */
  public static OrtClassifier open(ModelConfig config, Options options) {
    verifySha256(config);
    OrtEnvironment env = environment();
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    try {
      so.setIntraOpNumThreads(Math.max(1, options.intraOpThreads()));
      so.setInterOpNumThreads(1);
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      boolean onCuda = options.cuda() && addCuda(so, options.cudaDevice());
      OrtSession session = env.createSession(config.onnxPath().toString(), so);
      try {
        checkSignature(config, session);
      } catch (RuntimeException e) {
        session.close();
        throw e;
      }
      LOG.info("loaded {} ({}) on {} with {} intra-op threads; inputs {}", config.onnxFile(),
          config.modelId(), onCuda ? "CUDA" : "CPU", options.intraOpThreads(),
          session.getInputNames());
      return new OrtClassifier(config, env, so, session, onCuda);
    } catch (OrtException e) {
      so.close();
      throw new InvalidModelException("ONNX Runtime cannot load " + config.onnxPath() + ": "
          + e.getMessage(), e);
    } catch (RuntimeException e) {
      so.close();
      throw e;
    }
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

  /** Runs one packed call; returns logits [windows][classes] in the batch's sample-id order. */
  @Override
  public float[][] run(PackedBatchEncoder.PackedBatch batch) {
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
      try (OrtSession.Result result = session.run(inputs, java.util.Set.of(ModelConfig.CONTRACT_OUTPUT))) {
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
    return onCuda;
  }

  public ModelConfig config() {
    return config;
  }

  public List<String> inputNames() throws OrtException {
    return List.copyOf(session.getInputNames());
  }

  @Override
  public void close() {
    if (session != null) {
      try {
        session.close();
      } catch (OrtException e) {
        LOG.warn("closing the ONNX Runtime session failed: {}", e.getMessage());
      }
      session = null;
      sessionOptions.close();
    }
  }

  /** A runtime failure of one call (not a configuration problem). */
  public static final class InferenceException extends RuntimeException {
    public InferenceException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
