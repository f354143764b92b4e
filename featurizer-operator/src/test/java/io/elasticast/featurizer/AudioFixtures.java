package io.elasticast.featurizer;

import java.util.Random;

/** Seeded synthetic audio for tests: every signal can be replayed from its arguments. */
final class AudioFixtures {

  static final int RATE = 16_000;

  private AudioFixtures() {}

  static float[] tone(double hz, double seconds, int rate) {
    float[] out = new float[(int) Math.round(seconds * rate)];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return out;
  }

  static float[] silence(double seconds) {
    return new float[(int) Math.round(seconds * RATE)];
  }

  static float[] noise(double seconds, double std, long seed) {
    Random random = new Random(seed);
    float[] out = new float[(int) Math.round(seconds * RATE)];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (std * random.nextGaussian());
    }
    return out;
  }

  static float[] concat(float[]... parts) {
    int n = 0;
    for (float[] p : parts) {
      n += p.length;
    }
    float[] out = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
