package io.elasticast.ingest;

import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Converts between {@link SampleEncoding} payload bytes and float samples in [-1, 1]. */
public final class SampleCodec {

  /** Full scale of signed 16-bit PCM: -32768 maps to -1.0. */
  public static final float S16_FULL_SCALE = 32768f;

  private SampleCodec() {}

  public static int bytesPerSample(SampleEncoding encoding) {
    return switch (encoding) {
      case PCM_S16LE -> 2;
      case FLOAT32LE -> 4;
      case UNKNOWN -> throw new IllegalArgumentException("no sample size for an UNKNOWN encoding");
    };
  }

  /** Interleaved samples of a payload whose length is a whole number of samples. */
  public static float[] decode(byte[] payload, SampleEncoding encoding) {
    ByteBuffer in = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[payload.length / bytesPerSample(encoding)];
    switch (encoding) {
      case PCM_S16LE -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = in.getShort() / S16_FULL_SCALE;
        }
      }
      case FLOAT32LE -> in.asFloatBuffer().get(out);
      case UNKNOWN -> throw new IllegalArgumentException("cannot decode an UNKNOWN encoding");
    }
    return out;
  }

  public static byte[] encodeFloat32(float[] samples) {
    ByteBuffer out = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    out.asFloatBuffer().put(samples);
    return out.array();
  }

  /** Rounds and clips to 16 bits, as a PCM writer would. */
  public static byte[] encodeS16(float[] samples) {
    ByteBuffer out = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float s : samples) {
      long v = Math.round(s * S16_FULL_SCALE);
      out.putShort((short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v)));
    }
    return out.array();
  }

  /** Averages the channels of each interleaved frame, so a full-scale mono signal stays full scale. */
  public static float[] downmix(float[] interleaved, int channels) {
    if (channels == 1) {
      return interleaved;
    }
    float[] mono = new float[interleaved.length / channels];
    for (int f = 0, i = 0; f < mono.length; f++) {
      float sum = 0f;
      for (int c = 0; c < channels; c++) {
        sum += interleaved[i++];
      }
      mono[f] = sum / channels;
    }
    return mono;
  }

  /** Index of the first NaN or infinite value of a FLOAT32LE payload, or -1 if all are finite. */
  public static int firstNonFinite(byte[] payload) {
    ByteBuffer in = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    int n = payload.length / 4;
    for (int i = 0; i < n; i++) {
      if (!Float.isFinite(in.getFloat(i * 4))) {
        return i;
      }
    }
    return -1;
  }
}
