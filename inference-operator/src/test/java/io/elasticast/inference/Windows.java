package io.elasticast.inference;

import io.elasticast.schemas.SpectrogramWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded spectrogram windows for tests: every value derives from the seed, so runs replay. */
final class Windows {

  static final int BINS = 128;
  static final int PATCH = 16;
  static final long SECOND_MICROS = 1_000_000L;

  private Windows() {}

  /** Frames torchaudio's Kaldi fbank gives for {@code seconds} of 16 kHz audio (25 ms window). */
  static int framesFor(double seconds, int frameShiftMs) {
    int samples = (int) Math.round(seconds * 16000);
    return 1 + (samples - 400) / (16 * frameShiftMs);
  }

  /** Log-mel-like values (around -4.5, spread 4) from {@code seed}. */
  static SpectrogramWindow random(String stream, long seq, int frames, int frameShiftMs, long seed) {
    Random rnd = new Random(seed);
    float[] data = new float[frames * BINS];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (-4.5 + 4 * rnd.nextGaussian());
    }
    long start = seq * SECOND_MICROS;
    long end = start + (long) frames * frameShiftMs * 1000L;
    return new SpectrogramWindow(stream, seq, "test", start, end, frameShiftMs, frames, BINS, false,
        data);
  }

  static SpectrogramWindow seconds(String stream, long seq, double seconds, int shiftMs, long seed) {
    return random(stream, seq, framesFor(seconds, shiftMs), shiftMs, seed);
  }

  /** Each value encodes its place: frame * 1000 + bin. */
  static SpectrogramWindow indexed(int frames) {
    float[] data = new float[frames * BINS];
    for (int f = 0; f < frames; f++) {
      for (int b = 0; b < BINS; b++) {
        data[f * BINS + b] = f * 1000 + b;
      }
    }
    return new SpectrogramWindow("idx", 0, "test", 0, 1, 10, frames, BINS, false, data);
  }

  /** A seeded mix of lengths 0.5–10 s at frame shifts 10–40 ms that all hold at least one patch. */
  static List<SpectrogramWindow> mix(int count, long seed) {
    Random rnd = new Random(seed);
    int[] shifts = {10, 15, 20, 25, 30, 35, 40};
    List<SpectrogramWindow> out = new ArrayList<>();
    while (out.size() < count) {
      int shift = shifts[rnd.nextInt(shifts.length)];
      double seconds = 0.5 + 9.5 * rnd.nextDouble();
      int frames = framesFor(seconds, shift);
      if (frames >= PATCH) {
        out.add(random("feed-" + out.size() % 5, out.size(), frames, shift, rnd.nextLong()));
      }
    }
    return out;
  }
}
