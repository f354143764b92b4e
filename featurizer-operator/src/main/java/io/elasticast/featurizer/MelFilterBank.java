package io.elasticast.featurizer;

/**
 * Triangular mel filters exactly as {@code torchaudio.compliance.kaldi.get_mel_banks} builds them
 * (no VTLN warp), stored sparsely: each filter is a contiguous run of FFT bins with its weights.
 *
 * <p>torchaudio computes the bank in float32 tensors from float64 scalars; the arithmetic below
 * follows the same order in float so weights agree to the last bit or two. The Nyquist bin always
 * has weight zero (torchaudio pads the bank with a zero column).
 */
final class MelFilterBank {

  private final int numBins;
  private final int[] firstFftBin;
  private final int[] lengths;
  private final int[] weightOffsets;
  private final float[] weights;

  MelFilterBank(int numBins, int paddedWindowSize, float sampleRate, float lowFreq, float highFreq) {
    this.numBins = numBins;
    int numFftBins = paddedWindowSize / 2;
    double nyquist = 0.5 * sampleRate;
    double high = highFreq <= 0.0 ? highFreq + nyquist : highFreq;
    if (!(0.0 <= lowFreq && lowFreq < nyquist && 0.0 < high && high <= nyquist && lowFreq < high)) {
      throw new IllegalArgumentException("bad mel range: low " + lowFreq + " high " + high
          + " nyquist " + nyquist);
    }
    double fftBinWidth = (double) sampleRate / paddedWindowSize;
    double melLow = melScale(lowFreq);
    double melHigh = melScale(high);
    double melDelta = (melHigh - melLow) / (numBins + 1);

    // mel of every FFT bin centre: mel_scale(fft_bin_width * arange(num_fft_bins)), in float32
    float[] fftMel = new float[numFftBins];
    for (int k = 0; k < numFftBins; k++) {
      float hz = (float) fftBinWidth * (float) k;
      fftMel[k] = 1127.0f * (float) Math.log(1.0f + hz / 700.0f);
    }
    float[][] dense = new float[numBins][numFftBins];
    int total = 0;
    firstFftBin = new int[numBins];
    lengths = new int[numBins];
    weightOffsets = new int[numBins];
    for (int m = 0; m < numBins; m++) {
      float left = (float) melLow + (float) m * (float) melDelta;
      float center = (float) melLow + (float) (m + 1) * (float) melDelta;
      float right = (float) melLow + (float) (m + 2) * (float) melDelta;
      int first = -1;
      int last = -1;
      for (int k = 0; k < numFftBins; k++) {
        float up = (fftMel[k] - left) / (center - left);
        float down = (right - fftMel[k]) / (right - center);
        float w = Math.max(0.0f, Math.min(up, down));
        dense[m][k] = w;
        if (w > 0.0f) {
          if (first < 0) {
            first = k;
          }
          last = k;
        }
      }
      firstFftBin[m] = Math.max(first, 0);
      lengths[m] = first < 0 ? 0 : last - first + 1;
      weightOffsets[m] = total;
      total += lengths[m];
    }
    weights = new float[total];
    for (int m = 0; m < numBins; m++) {
      System.arraycopy(dense[m], firstFftBin[m], weights, weightOffsets[m], lengths[m]);
    }
  }

  static double melScale(double hz) {
    return 1127.0 * Math.log(1.0 + hz / 700.0);
  }

  int numBins() {
    return numBins;
  }

  /** Writes the filter outputs for one power spectrum into {@code out[outOffset .. +numBins)}. */
  void apply(float[] power, float[] out, int outOffset) {
    for (int m = 0; m < numBins; m++) {
      int k = firstFftBin[m];
      int w = weightOffsets[m];
      int end = w + lengths[m];
      float sum = 0.0f;
      for (; w < end; w++, k++) {
        sum += power[k] * weights[w];
      }
      out[outOffset + m] = sum;
    }
  }

  /** Weight of FFT bin {@code k} in filter {@code m} (for tests). */
  float weight(int m, int k) {
    int i = k - firstFftBin[m];
    return i < 0 || i >= lengths[m] ? 0.0f : weights[weightOffsets[m] + i];
  }
}
