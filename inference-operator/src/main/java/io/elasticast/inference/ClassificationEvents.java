package io.elasticast.inference;

import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.schemas.ClassificationEvent;
import java.util.List;
import java.util.Set;

/** Builds {@link ClassificationEvent}s from scored windows and picks the ones worth an alert. */
public final class ClassificationEvents {

  private final LogitsDecoder decoder;
  private final String modelId;
  private final String modelSha256;
  private final int topK;
  private final Set<String> watchLabels;
  private final float alertThreshold;

  public ClassificationEvents(ModelConfig model, int topK, Set<String> watchLabels,
      float alertThreshold) {
    this.decoder = LogitsDecoder.forModel(model);
    this.modelId = model.modelId();
    this.modelSha256 = model.sha256();
    this.topK = topK;
    this.watchLabels = Set.copyOf(watchLabels);
    this.alertThreshold = alertThreshold;
    for (String label : watchLabels) {
      if (!model.labels().contains(label)) {
        throw new IllegalArgumentException(
            "watch label '" + label + "' is not one of the model's labels " + model.labels());
      }
    }
  }

  public ClassificationEvent event(WindowClassifier.Scored scored, long latencyMicros) {
    SpectrogramWindow w = scored.window();
    float[] scores = decoder.scores(scored.logits());
    return ClassificationEvent.newBuilder()
        .setStreamId(w.streamId)
        .setWindowStartMicros(w.startMicros)
        .setWindowEndMicros(w.endMicros)
        .setFrameShiftMs(w.frameShiftMs)
        .setFrames(w.frames)
        .setTopK(decoder.topKOfScores(scores, topK))
        .setDetected(decoder.detectedOfScores(scores))
        .setModelId(modelId)
        .setModelSha256(modelSha256)
        .setProcessingLatencyMicros(latencyMicros)
        .setPackStats(scored.packStats())
        .setWindowPolicy(w.policy)
        .setLevelDbfs(Float.isNaN(w.levelDbfs) ? null : w.levelDbfs)
        .build();
  }

  /** Whether any watched label scores at least the threshold (on all labels, not only the top k). */
  public boolean isAlert(WindowClassifier.Scored scored) {
    if (watchLabels.isEmpty()) {
      return false;
    }
    float[] scores = decoder.scores(scored.logits());
    List<String> labels = decoder.labels();
    for (int i = 0; i < scores.length; i++) {
      if (scores[i] >= alertThreshold && watchLabels.contains(labels.get(i))) {
        return true;
      }
    }
    return false;
  }
}
