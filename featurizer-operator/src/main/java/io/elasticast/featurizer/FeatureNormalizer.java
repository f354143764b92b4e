package io.elasticast.featurizer;

/**
 * AST's dataset normalisation {@code (x - mean) / (2 * std)}, with mean and std from the model's
 * config (model.json). A separate last step, so raw log-mel frames stay comparable with torchaudio.
 */
public final class FeatureNormalizer {

  private final float mean;
  private final float invTwoStd;

  public FeatureNormalizer(double mean, double std) {
    if (!(std > 0.0) || !Double.isFinite(std) || !Double.isFinite(mean)) {
      throw new IllegalArgumentException("need a finite mean and a positive std, got mean " + mean
          + " std " + std);
    }
    this.mean = (float) mean;
    this.invTwoStd = (float) (1.0 / (2.0 * std));
  }

  /** Normalises {@code values} in place and returns it. */
  public float[] applyInPlace(float[] values) {
    for (int i = 0; i < values.length; i++) {
      values[i] = (values[i] - mean) * invTwoStd;
    }
    return values;
  }

  public float mean() {
    return mean;
  }
}
