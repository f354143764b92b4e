package io.elasticast.inference;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * How the inference operator packs and runs: everything the job configures, as plain data that
 * travels with the operator to each subtask (the model itself is loaded in {@code open()}).
 *
 * @param modelPath model directory (with model.json) or a model*.json file
 * @param intraOpThreads ONNX Runtime threads per subtask
 * @param cuda use the CUDA execution provider when this ONNX Runtime build has it
 * @param tokenBudget real tokens that make a batch due, and the most one call holds
 * @param maxDelayMillis longest a window waits for company before its batch runs
 * @param maxWaitingWindows bound of the waiting buffer; when full the operator runs a batch at
 *     once (blocking its input: backpressure)
 * @param topK labels per event
 * @param watchLabels labels that raise an alert ...
 * @param alertThreshold ... when their score reaches this
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
    Set<String> watchLabels,
    float alertThreshold,
    Patchifier.FeatureScale featureScale)
    implements Serializable {

  public static final int DEFAULT_TOKEN_BUDGET = 3072;
  public static final int DEFAULT_MAX_WAITING_WINDOWS = 512;
  public static final int DEFAULT_TOP_K = 5;
  public static final Set<String> DEFAULT_WATCH_LABELS = Set.of("siren", "alarm");
  public static final float DEFAULT_ALERT_THRESHOLD = 0.5f;

  public InferenceSettings {
    watchLabels = Set.copyOf(watchLabels);
  }

  public static InferenceSettings defaults(String modelPath) {
    return new InferenceSettings(modelPath, 1, false, DEFAULT_TOKEN_BUDGET,
        PackingQueue.DEFAULT_MAX_DELAY_MILLIS, DEFAULT_MAX_WAITING_WINDOWS, DEFAULT_TOP_K,
        DEFAULT_WATCH_LABELS, DEFAULT_ALERT_THRESHOLD, Patchifier.FeatureScale.RAW_LOG_MEL);
  }

  public InferenceSettings withBatching(int tokenBudget, long maxDelayMillis, int maxWaiting) {
    return new InferenceSettings(modelPath, intraOpThreads, cuda, tokenBudget, maxDelayMillis,
        maxWaiting, topK, watchLabels, alertThreshold, featureScale);
  }

  public InferenceSettings withAlerts(List<String> labels, float threshold) {
    return new InferenceSettings(modelPath, intraOpThreads, cuda, tokenBudget, maxDelayMillis,
        maxWaitingWindows, topK, Set.copyOf(labels), threshold, featureScale);
  }

  public InferenceSettings withTopK(int k) {
    return new InferenceSettings(modelPath, intraOpThreads, cuda, tokenBudget, maxDelayMillis,
        maxWaitingWindows, k, watchLabels, alertThreshold, featureScale);
  }

  public InferenceSettings withRuntime(int threads, boolean useCuda) {
    return new InferenceSettings(modelPath, threads, useCuda, tokenBudget, maxDelayMillis,
        maxWaitingWindows, topK, watchLabels, alertThreshold, featureScale);
  }
}
