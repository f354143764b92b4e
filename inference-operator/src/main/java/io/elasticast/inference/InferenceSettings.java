package io.elasticast.inference;

import java.io.Serializable;

/**
 * How the inference operator packs and runs: everything the job configures, as plain data that
 * travels with the operator to each subtask (the model itself is loaded in {@code open()}). The
 * defaults live in the job's configuration ({@code elasticast-job.yaml}), not here.
 *
 * @param modelPath model directory (with model.json) or a model*.json file
 * @param intraOpThreads ONNX Runtime threads of the JVM's shared session (0: one per core)
 * @param cuda use the CUDA execution provider when this ONNX Runtime build has it
 * @param tokenBudget real tokens that make a batch due, and the most one call holds
 * @param maxDelayMillis longest a window waits for company before its batch runs
 * @param maxWaitingWindows bound of the waiting buffer; when full the operator runs a batch at
 *     once (blocking its input: backpressure)
 * @param topK labels per event
 * @param featureScale whether windows still need the model's normalisation
 */
public record InferenceSettings(
    String modelPath,
    int intraOpThreads,
    boolean cuda,
    int tokenBudget,
    long maxDelayMillis,
    int maxWaitingWindows,
    int topK,
    Patchifier.FeatureScale featureScale)
    implements Serializable {

  public InferenceSettings {
    if (intraOpThreads < 0 || tokenBudget < 1 || maxDelayMillis < 0 || maxWaitingWindows < 1
        || topK < 1) {
      throw new IllegalArgumentException("inference settings out of range: " + modelPath + ", "
          + intraOpThreads + " threads, budget " + tokenBudget + ", delay " + maxDelayMillis
          + " ms, waiting " + maxWaitingWindows + ", top-k " + topK);
    }
  }

  public InferenceSettings withBatching(int tokenBudget, long maxDelayMillis, int maxWaiting) {
    return new InferenceSettings(modelPath, intraOpThreads, cuda, tokenBudget, maxDelayMillis,
        maxWaiting, topK, featureScale);
  }

  public InferenceSettings withTopK(int k) {
    return new InferenceSettings(modelPath, intraOpThreads, cuda, tokenBudget, maxDelayMillis,
        maxWaitingWindows, k, featureScale);
  }

  public InferenceSettings withRuntime(int threads, boolean useCuda) {
    return new InferenceSettings(modelPath, threads, useCuda, tokenBudget, maxDelayMillis,
        maxWaitingWindows, topK, featureScale);
  }
}
