package io.elasticast.inference;

import io.elasticast.schemas.LabelScore;
import java.util.ArrayList;
import java.util.List;

/** Logits of one window → scores (softmax or sigmoid, as model.json says) → top-k labels. */
public final class LogitsDecoder {

  private final List<String> labels;
  private final ModelConfig.OutputActivation activation;

  public LogitsDecoder(List<String> labels, ModelConfig.OutputActivation activation) {
    this.labels = List.copyOf(labels);
    this.activation = activation;
  }

  public static LogitsDecoder forModel(ModelConfig config) {
    return new LogitsDecoder(config.labels(), config.outputActivation());
  }

  /** Scores per label, in label order. */
  public float[] scores(float[] logits) {
    if (logits.length != labels.size()) {
      throw new IllegalArgumentException(
          "got " + logits.length + " logits for " + labels.size() + " labels");
    }
    float[] out = new float[logits.length];
    if (activation == ModelConfig.OutputActivation.SIGMOID) {
      for (int i = 0; i < logits.length; i++) {
        out[i] = (float) (1.0 / (1.0 + Math.exp(-logits[i])));
      }
      return out;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    double[] e = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      e[i] = Math.exp(logits[i] - max); // shifted by the max: no overflow
      sum += e[i];
    }
    for (int i = 0; i < logits.length; i++) {
      out[i] = (float) (e[i] / sum);
    }
    return out;
  }

  /** The k best labels, highest score first; equal scores keep label order. */
  public List<LabelScore> topK(float[] logits, int k) {
    float[] scores = scores(logits);
    boolean[] taken = new boolean[scores.length];
    List<LabelScore> top = new ArrayList<>(Math.min(k, scores.length));
    for (int n = 0; n < Math.min(k, scores.length); n++) {
      int best = -1;
      for (int i = 0; i < scores.length; i++) {
        if (!taken[i] && (best < 0 || scores[i] > scores[best])) {
          best = i;
        }
      }
      taken[best] = true;
      top.add(new LabelScore(labels.get(best), scores[best]));
    }
    return top;
  }

  public List<String> labels() {
    return labels;
  }
}
