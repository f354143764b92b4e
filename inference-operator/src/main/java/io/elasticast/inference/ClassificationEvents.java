package io.elasticast.inference;

import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.schemas.ClassificationEvent;

/** Builds {@link ClassificationEvent}s from scored windows (alerts are incidents, downstream). */
public final class ClassificationEvents {

  private final LogitsDecoder decoder;
  private final String modelId;
  private final String modelSha256;
  private final int topK;

  public ClassificationEvents(ModelConfig model, int topK) {
    this.decoder = LogitsDecoder.forModel(model);
    this.modelId = model.modelId();
    this.modelSha256 = model.sha256();
    this.topK = topK;
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
}
