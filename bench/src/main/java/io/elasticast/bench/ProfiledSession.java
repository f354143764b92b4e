package io.elasticast.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.elasticast.inference.ModelConfig;
import io.elasticast.inference.PackedBatchEncoder;
import io.elasticast.inference.PackedRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A private session of the model with ONNX Runtime's profiler on, set up as the serving session
 * is (threads, no spinning, all graph optimisations): its trace says which kernels a layout's calls
 * spend their time in. Not the serving session: profiling slows every kernel.
 */
final class ProfiledSession implements PackedRunner, AutoCloseable {

  private final OrtEnvironment env;
  private final OrtSession.SessionOptions options;
  private final OrtSession session;
  private final int patchValues;
  private Path trace;

  ProfiledSession(ModelConfig config, int threads, Path tracePrefix) throws OrtException {
    env = OrtEnvironment.getEnvironment();
    options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(threads);
    options.setInterOpNumThreads(1);
    options.addConfigEntry("session.intra_op.allow_spinning", "0");
    options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    options.enableProfiling(tracePrefix.toString());
    session = env.createSession(config.onnxPath().toString(), options);
    patchValues = config.patchSize() * config.patchSize();
  }

  @Override
  public float[][] run(PackedBatchEncoder.PackedBatch b) {
    Map<String, OnnxTensor> in = new LinkedHashMap<>();
    try {
      in.put("patches", OnnxTensor.createTensor(env, b.patches(), b.patchesShape(patchValues)));
      in.put("freq_pos", OnnxTensor.createTensor(env, b.freqPos(), new long[] {b.tokens()}));
      in.put("time_pos", OnnxTensor.createTensor(env, b.timePos(), new long[] {b.tokens()}));
      in.put("sample_ids", OnnxTensor.createTensor(env, b.sampleIds(), new long[] {b.tokens()}));
      in.put("rows", OnnxTensor.createTensor(env, b.rows(), b.rowsShape()));
      try (OrtSession.Result ignored = session.run(in)) {
        return null; // only the kernels' times count here
      }
    } catch (OrtException e) {
      throw new IllegalStateException("profiled run failed: " + e.getMessage(), e);
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  /** Ends profiling (once) and returns the trace file. */
  Path trace() throws OrtException {
    if (trace == null) {
      trace = Path.of(session.endProfiling());
    }
    return trace;
  }

  @Override
  public void close() throws OrtException {
    Path t = trace();
    session.close();
    options.close();
    try {
      Files.deleteIfExists(t);
    } catch (java.io.IOException ignored) {
      // a trace left in the working directory is harmless
    }
  }
}
