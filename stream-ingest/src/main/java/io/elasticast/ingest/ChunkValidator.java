package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Decides whether a decoded raw chunk can be normalised. The limits are the pipeline's contract
 * with producers; anything outside them is dead-lettered with the first rule it breaks.
 */
public final class ChunkValidator {

  public static final int MIN_SAMPLE_RATE = 8_000;
  public static final int MAX_SAMPLE_RATE = 192_000;
  public static final int MIN_CHANNELS = 1;
  public static final int MAX_CHANNELS = 8;
  /** Longer chunks would make one record hold up a feed's window for too long (and bloat Kafka). */
  public static final double MAX_CHUNK_SECONDS = 10.0;

  /** Why a chunk was refused. */
  public record Rejection(DeadLetterReason reason, String message) {}

  private ChunkValidator() {}

  /** The first rule {@code chunk} breaks, or empty if it is valid. {@code key} is the Kafka key. */
  public static Optional<Rejection> validate(String key, AudioChunk chunk) {
    if (key == null || key.isEmpty()) {
      return reject(DeadLetterReason.MISSING_KEY, "record has no key; the key must be the stream id");
    }
    if (!key.equals(chunk.getStreamId().toString())) {
      return reject(DeadLetterReason.OTHER,
          "key '" + key + "' differs from streamId '" + chunk.getStreamId() + "'");
    }
    if (chunk.getSequenceNumber() < 0) {
      return reject(DeadLetterReason.OTHER, "negative sequenceNumber " + chunk.getSequenceNumber());
    }
    SampleEncoding encoding = chunk.getEncoding();
    if (encoding == null || encoding == SampleEncoding.UNKNOWN) {
      return reject(DeadLetterReason.UNKNOWN_ENCODING, encoding == null ? "encoding is not set"
          : "encoding is one this normaliser does not know (read as UNKNOWN)");
    }
    int rate = chunk.getSampleRate();
    if (rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
      return reject(DeadLetterReason.BAD_SAMPLE_RATE, "sampleRate " + rate + " Hz is outside "
          + MIN_SAMPLE_RATE + ".." + MAX_SAMPLE_RATE + " Hz");
    }
    int channels = chunk.getChannels();
    if (channels < MIN_CHANNELS || channels > MAX_CHANNELS) {
      return reject(DeadLetterReason.BAD_CHANNELS,
          "channels " + channels + " is outside " + MIN_CHANNELS + ".." + MAX_CHANNELS);
    }
    ByteBuffer payload = chunk.getPayload();
    int bytes = payload == null ? 0 : payload.remaining();
    if (bytes == 0) {
      return reject(DeadLetterReason.EMPTY_PAYLOAD, "payload is empty");
    }
    int frameBytes = SampleCodec.bytesPerSample(encoding) * channels;
    if (bytes % frameBytes != 0) {
      return reject(DeadLetterReason.PARTIAL_FRAME, "payload of " + bytes
          + " bytes is not a whole number of " + frameBytes + "-byte frames");
    }
    double seconds = (double) (bytes / frameBytes) / rate;
    if (seconds > MAX_CHUNK_SECONDS) {
      return reject(DeadLetterReason.CHUNK_TOO_LONG,
          String.format("chunk is %.3f s, longer than %.1f s", seconds, MAX_CHUNK_SECONDS));
    }
    if (encoding == SampleEncoding.FLOAT32LE) {
      int bad = SampleCodec.firstNonFinite(bytesOf(payload));
      if (bad >= 0) {
        return reject(DeadLetterReason.NON_FINITE_SAMPLES, "sample " + bad + " is NaN or infinite");
      }
    }
    return Optional.empty();
  }

  /** The remaining bytes of an Avro bytes field, without disturbing its position. */
  public static byte[] bytesOf(ByteBuffer buffer) {
    ByteBuffer view = buffer.duplicate();
    byte[] bytes = new byte[view.remaining()];
    view.get(bytes);
    return bytes;
  }

  private static Optional<Rejection> reject(DeadLetterReason reason, String message) {
    return Optional.of(new Rejection(reason, message));
  }
}
