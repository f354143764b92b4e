package io.elasticast.inference;

import io.elasticast.schemas.SpectrogramWindow;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * Cuts a window's log-mel frames into the model's 16x16 patch tokens, exactly as the serving
 * contract (model/README.md) and {@code model/elasticast.py:patchify} say: patch (tp, fp) covers
 * frames tp*16.. and bins fp*16..; its vector index df*16 + dt holds fbank[tp*16+dt][fp*16+df];
 * tokens are time-major (tp, then fp); frames past a multiple of 16 are cut. Values are
 * normalised (x - mean) / (2 std) with the model's statistics unless the window already is. A
 * window of 1..15 frames is padded to one patch with {@link ModelConfig#paddingValue()} (the
 * normalised raw log-mel 0), as training pads such windows ({@code train.clip_tokens_from_fbank});
 * only a window without frames cannot be classified.
 */
public final class Patchifier {

  /** Whether {@link SpectrogramWindow#data} still needs the model's normalisation. */
  public enum FeatureScale {
    /** Raw log-mel (the featurizer's default): normalised here with model.json's mean/std. */
    RAW_LOG_MEL,
    /** Already (x - mean) / (2 std): copied as is. */
    NORMALISED
  }

  private final int patch;
  private final int numMelBins;
  private final int freqPositions;
  private final int maxTimePositions;
  private final float shift;
  private final float scale;
  /** Normalised value of the frames that pad a window shorter than one patch. */
  private final float padding;

  public Patchifier(ModelConfig config, FeatureScale featureScale) {
    this(config.patchSize(), config.numMelBins(), config.maxTimePositions(),
        featureScale == FeatureScale.RAW_LOG_MEL ? config.mean() : 0f,
        featureScale == FeatureScale.RAW_LOG_MEL ? config.normalisationScale() : 1f,
        config.paddingValue());
  }

  Patchifier(int patch, int numMelBins, int maxTimePositions, float shift, float scale,
      float padding) {
    this.patch = patch;
    this.numMelBins = numMelBins;
    this.freqPositions = numMelBins / patch;
    this.maxTimePositions = maxTimePositions;
    this.shift = shift;
    this.scale = scale;
    this.padding = padding;
  }

  /** The normalised value written for each frame a window shorter than one patch lacks. */
  public float paddingValue() {
    return padding;
  }

  public int patchValues() {
    return patch * patch;
  }

  public int freqPositions() {
    return freqPositions;
  }

  /** Time patches of a window of {@code frames} frames: 1..15 frames are padded to one patch. */
  public int timePositions(int frames) {
    return frames <= 0 ? 0 : Math.max(1, frames / patch);
  }

  /** Tokens the window becomes (0 only when it has no frames). */
  public int tokens(SpectrogramWindow window) {
    return timePositions(window.frames) * freqPositions;
  }

  /**
   * Why the model cannot take this window, or null when it can. Too long for the time table is a
   * rejection, not a silent crop: the window policy upstream decides how long windows are.
   */
  public String rejectionReason(SpectrogramWindow window) {
    if (window.bins != numMelBins) {
      return "window has " + window.bins + " mel bins, the model takes " + numMelBins;
    }
    if (window.data == null || window.data.length != window.frames * window.bins) {
      return "window data does not hold frames*bins values";
    }
    int tp = timePositions(window.frames);
    if (tp == 0) {
      return "window has no frames";
    }
    if (tp > maxTimePositions) {
      return "window has " + window.frames + " frames (" + tp + " time patches), more than the"
          + " model's " + maxTimePositions + "-position time table";
    }
    return null;
  }

  /**
   * Writes the window's tokens at token index {@code firstToken} of the flat buffers: patch
   * vectors into {@code patches} ([T, 256] row-major), positions into {@code freqPos}/{@code timePos}.
   * Absolute puts only, so the buffers' positions are untouched. Frames past the end of a window
   * shorter than one patch hold {@link #paddingValue()}.
   */
  public void write(SpectrogramWindow window, FloatBuffer patches, LongBuffer freqPos,
      LongBuffer timePos, int firstToken) {
    float[] data = window.data;
    int bins = window.bins;
    int values = patch * patch;
    int token = firstToken;
    int frames = window.frames;
    int timePatches = timePositions(frames);
    for (int tp = 0; tp < timePatches; tp++) {
      for (int fp = 0; fp < freqPositions; fp++) {
        int base = token * values;
        for (int df = 0; df < patch; df++) {
          int bin = fp * patch + df;
          int out = base + df * patch;
          for (int dt = 0; dt < patch; dt++) {
            int frame = tp * patch + dt;
            patches.put(out + dt,
                frame < frames ? (data[frame * bins + bin] - shift) * scale : padding);
          }
        }
        freqPos.put(token, fp);
        timePos.put(token, tp);
        token++;
      }
    }
  }
}
