package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Checks that a chunk is what the normaliser promises the featurizer (mono, 16 kHz, FLOAT32LE,
 * finite samples) and decodes it. Anything else gets a reason instead of samples.
 */
public final class ChunkValidator {

  /** Decoded samples, or why there are none. */
  public record Result(float[] samples, DeadLetterReason reason, String message) {
    public boolean ok() {
      return samples != null;
    }
  }

  private ChunkValidator() {}

  public static Result decode(AudioChunk chunk) {
    if (chunk.getStreamId() == null || chunk.getStreamId().isEmpty()) {
      return reject(DeadLetterReason.MISSING_KEY, "chunk has no stream id");
    }
    if (chunk.getEncoding() != SampleEncoding.FLOAT32LE) {
      return reject(DeadLetterReason.UNKNOWN_ENCODING, "featurizer takes normalised FLOAT32LE chunks, got "
          + chunk.getEncoding());
    }
    if (chunk.getSampleRate() != FeaturizerSettings.SAMPLE_RATE) {
      return reject(DeadLetterReason.BAD_SAMPLE_RATE, "featurizer takes " + FeaturizerSettings.SAMPLE_RATE
          + " Hz chunks, got " + chunk.getSampleRate() + " Hz");
    }
    if (chunk.getChannels() != 1) {
      return reject(DeadLetterReason.BAD_CHANNELS, "featurizer takes mono chunks, got "
          + chunk.getChannels() + " channels");
    }
    ByteBuffer payload = chunk.getPayload().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (payload.remaining() == 0) {
      return reject(DeadLetterReason.EMPTY_PAYLOAD, "chunk has no samples");
    }
    if (payload.remaining() % Float.BYTES != 0) {
      return reject(DeadLetterReason.PARTIAL_FRAME, "payload of " + payload.remaining()
          + " bytes is not a whole number of float32 samples");
    }
    float[] samples = new float[payload.remaining() / Float.BYTES];
    payload.asFloatBuffer().get(samples);
    for (int i = 0; i < samples.length; i++) {
      if (!Float.isFinite(samples[i])) {
        return reject(DeadLetterReason.NON_FINITE_SAMPLES, "sample " + i + " is " + samples[i]);
      }
    }
    return new Result(samples, null, null);
  }

  /** Encodes samples as a normalised chunk payload (tests, demo sources). */
  public static ByteBuffer encode(float[] samples) {
    ByteBuffer buffer = ByteBuffer.allocate(samples.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(samples);
    return buffer;
  }

  private static Result reject(DeadLetterReason reason, String message) {
    return new Result(null, reason, message);
  }
}
