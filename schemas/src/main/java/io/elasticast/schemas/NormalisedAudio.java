package io.elasticast.schemas;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The normalised-audio format, defined once: what the normaliser writes to the normalised topic and
 * what the featurizer reads from it. A normalised {@link AudioChunk} is mono, {@link #SAMPLE_RATE}
 * Hz, {@link SampleEncoding#FLOAT32LE} with finite samples, and carries the normaliser's
 * {@link StreamOrder}.
 */
public final class NormalisedAudio {

  public static final int SAMPLE_RATE = 16_000;
  public static final int CHANNELS = 1;
  public static final SampleEncoding ENCODING = SampleEncoding.FLOAT32LE;

  private NormalisedAudio() {}

  /** The normalised chunk of {@code samples} (mono, {@link #SAMPLE_RATE} Hz). */
  public static AudioChunk chunk(String streamId, long sequenceNumber, long startMicros,
      float[] samples, StreamOrder order) {
    return AudioChunk.newBuilder()
        .setStreamId(streamId)
        .setSequenceNumber(sequenceNumber)
        .setEventTimeStartMicros(startMicros)
        .setSampleRate(SAMPLE_RATE)
        .setChannels(CHANNELS)
        .setEncoding(ENCODING)
        .setPayload(encode(samples))
        .setSourceMetadata(null)
        .setOrder(order)
        .build();
  }

  /** An order verdict without missing chunks. */
  public static StreamOrder order(OrderKind kind) {
    return new StreamOrder(kind, 0L);
  }

  /** A {@link OrderKind#GAP}: {@code missingChunks} never arrived before this chunk. */
  public static StreamOrder gap(long missingChunks) {
    return new StreamOrder(OrderKind.GAP, missingChunks);
  }

  /** Little-endian float32 bytes of {@code samples}. */
  public static ByteBuffer encode(float[] samples) {
    ByteBuffer buffer = ByteBuffer.allocate(samples.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(samples);
    return buffer;
  }

  /** Duration of {@code samples} normalised samples, whole microseconds. */
  public static long durationMicros(long samples) {
    return samples * 1_000_000L / SAMPLE_RATE;
  }

  /** A chunk's samples, or why it is not a normalised chunk. */
  public record Decoded(float[] samples, DeadLetterReason reason, String message) {
    public boolean ok() {
      return samples != null;
    }
  }

  /**
   * The samples of a normalised chunk; anything else (no stream id, another encoding, rate or
   * channel count, an empty or partial payload, a NaN or infinite sample) gets a reason instead.
   */
  public static Decoded decode(AudioChunk chunk) {
    if (chunk.getStreamId() == null || chunk.getStreamId().isEmpty()) {
      return refuse(DeadLetterReason.MISSING_KEY, "chunk has no stream id");
    }
    if (chunk.getEncoding() != ENCODING) {
      return refuse(DeadLetterReason.UNKNOWN_ENCODING, "normalised chunks are " + ENCODING + ", got "
          + chunk.getEncoding());
    }
    if (chunk.getSampleRate() != SAMPLE_RATE) {
      return refuse(DeadLetterReason.BAD_SAMPLE_RATE, "normalised chunks are " + SAMPLE_RATE
          + " Hz, got " + chunk.getSampleRate() + " Hz");
    }
    if (chunk.getChannels() != CHANNELS) {
      return refuse(DeadLetterReason.BAD_CHANNELS, "normalised chunks are mono, got "
          + chunk.getChannels() + " channels");
    }
    ByteBuffer payload = chunk.getPayload().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (payload.remaining() == 0) {
      return refuse(DeadLetterReason.EMPTY_PAYLOAD, "chunk has no samples");
    }
    if (payload.remaining() % Float.BYTES != 0) {
      return refuse(DeadLetterReason.PARTIAL_FRAME, "payload of " + payload.remaining()
          + " bytes is not a whole number of float32 samples");
    }
    float[] samples = new float[payload.remaining() / Float.BYTES];
    payload.asFloatBuffer().get(samples);
    for (int i = 0; i < samples.length; i++) {
      if (!Float.isFinite(samples[i])) {
        return refuse(DeadLetterReason.NON_FINITE_SAMPLES, "sample " + i + " is " + samples[i]);
      }
    }
    return new Decoded(samples, null, null);
  }

  private static Decoded refuse(DeadLetterReason reason, String message) {
    return new Decoded(null, reason, message);
  }
}
