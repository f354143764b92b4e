package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.util.Random;

/** Test signals and chunks; every random signal is seeded. */
final class AudioFixtures {

  static final long START_MICROS = 1_700_000_000_000_000L;
  /** Chunk {@code seq} of a fixture starts {@code seq} times this after {@link #START_MICROS}. */
  static final long CHUNK_MICROS = 100_000L;

  private AudioFixtures() {}

  static float[] tone(double hz, double seconds, int rate, double amplitude) {
    float[] out = new float[(int) Math.round(seconds * rate)];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
    }
    return out;
  }

  /** Exponential sine sweep from {@code f0} to {@code f1} Hz. */
  static float[] sweep(double f0, double f1, double seconds, int rate, double amplitude) {
    float[] out = new float[(int) Math.round(seconds * rate)];
    double k = Math.log(f1 / f0);
    for (int i = 0; i < out.length; i++) {
      double t = (double) i / rate;
      double phase = 2 * Math.PI * f0 * seconds / k * (Math.exp(t / seconds * k) - 1);
      out[i] = (float) (amplitude * Math.sin(phase));
    }
    return out;
  }

  static float[] noise(long seed, int samples, double amplitude) {
    Random random = new Random(seed);
    float[] out = new float[samples];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (amplitude * (2 * random.nextDouble() - 1));
    }
    return out;
  }

  /** Interleaves {@code channels} copies of a mono signal, channel c scaled by (c + 1) / channels. */
  static float[] interleave(float[] mono, int channels) {
    float[] out = new float[mono.length * channels];
    for (int f = 0; f < mono.length; f++) {
      for (int c = 0; c < channels; c++) {
        out[f * channels + c] = mono[f] * (c + 1) / channels;
      }
    }
    return out;
  }

  static AudioChunk chunk(String streamId, long seq, int rate, int channels, SampleEncoding encoding,
      byte[] payload) {
    return AudioChunk.newBuilder()
        .setStreamId(streamId)
        .setSequenceNumber(seq)
        .setEventTimeStartMicros(START_MICROS + seq * CHUNK_MICROS)
        .setSampleRate(rate)
        .setChannels(channels)
        .setEncoding(encoding)
        .setPayload(ByteBuffer.wrap(payload))
        .build();
  }

  static AudioChunk floatChunk(String streamId, long seq, int rate, int channels, float[] interleaved) {
    return chunk(streamId, seq, rate, channels, SampleEncoding.FLOAT32LE,
        SampleCodec.encodeFloat32(interleaved));
  }

  static float[] slice(float[] x, int from, int to) {
    return java.util.Arrays.copyOfRange(x, from, Math.min(to, x.length));
  }

  /** 10*log10(signal energy / error energy) over {@code [from, to)}. */
  static double snrDb(float[] reference, float[] actual, int from, int to) {
    double signal = 0;
    double error = 0;
    for (int i = from; i < to; i++) {
      signal += (double) reference[i] * reference[i];
      double d = reference[i] - actual[i];
      error += d * d;
    }
    return 10 * Math.log10(signal / error);
  }

  static double rms(float[] x, int from, int to) {
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += (double) x[i] * x[i];
    }
    return Math.sqrt(sum / (to - from));
  }
}
