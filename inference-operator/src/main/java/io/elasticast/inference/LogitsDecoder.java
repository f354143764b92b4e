package io.elasticast.inference;

import io.elasticast.inference.incidents.IncidentThresholds;
import io.elasticast.schemas.LabelScore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Logits of one window → scores (softmax or sigmoid, as model.json says) → top-k labels, and the
 * labels detected: every one whose score is at or above its threshold (model.json's
 * {@code thresholds}, else {@link IncidentThresholds#DEFAULT_ON}, the default incident on-threshold).
 */
public final class LogitsDecoder {

  private final List<String> labels;
  private final ModelConfig.OutputActivation activation;
  private final float[] thresholds;

  /** Every label detected at the default threshold. */
  public LogitsDecoder(List<String> labels, ModelConfig.OutputActivation activation) {
    this(labels, activation, Map.of());
  }

  /**
   * @param thresholds detection threshold by label; a label not named here uses
   *     {@link IncidentThresholds#DEFAULT_ON}
   */
  public LogitsDecoder(List<String> labels, ModelConfig.OutputActivation activation,
      Map<String, Float> thresholds) {
    this.labels = List.copyOf(labels);
    this.activation = activation;
    this.thresholds = new float[this.labels.size()];
    for (int i = 0; i < this.thresholds.length; i++) {
      this.thresholds[i] = thresholds.getOrDefault(this.labels.get(i), IncidentThresholds.DEFAULT_ON);
    }
  }

  public static LogitsDecoder forModel(ModelConfig config) {
    return new LogitsDecoder(config.labels(), config.outputActivation(), config.thresholds());
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
    return topKOfScores(scores(logits), k);
  }

  /**
   * Every label whose score is at or above its threshold, highest score first (equal scores keep
   * label order); empty when none is.
   */
  public List<LabelScore> detected(float[] logits) {
    return detectedOfScores(scores(logits));
  }

  /** {@link #detected} of scores already computed with {@link #scores}. */
  public List<LabelScore> detectedOfScores(float[] scores) {
    boolean[] skip = new boolean[scores.length];
    int n = 0;
    for (int i = 0; i < scores.length; i++) {
      skip[i] = !(scores[i] >= thresholds[i]);
      n += skip[i] ? 0 : 1;
    }
    return ranked(scores, skip, n);
  }

  /** {@link #topK} of scores already computed with {@link #scores}. */
  public List<LabelScore> topKOfScores(float[] scores, int k) {
    return ranked(scores, new boolean[scores.length], Math.min(k, scores.length));
  }

  /** The detection threshold of {@code label}. */
  public float threshold(String label) {
    int i = labels.indexOf(label);
    if (i < 0) {
      throw new IllegalArgumentException("'" + label + "' is not one of the labels " + labels);
    }
    return thresholds[i];
  }

  /** The {@code count} best labels not {@code taken} yet, highest score first. */
  private List<LabelScore> ranked(float[] scores, boolean[] taken, int count) {
    if (scores.length != labels.size()) {
      throw new IllegalArgumentException(
          "got " + scores.length + " scores for " + labels.size() + " labels");
    }
    List<LabelScore> top = new ArrayList<>(count);
    for (int n = 0; n < count; n++) {
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
