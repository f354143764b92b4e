package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.EventTimeBounds;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
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
  /**
   * Longest stream id (UTF-8 bytes). Stream ids travel on every output record (key and value); this
   * and the two limits below keep a normalised record (at most 10 s of mono 16 kHz float, 640 kB)
   * under Kafka's default 1 MiB record limit, so no valid chunk can make the writer fail.
   */
  public static final int MAX_STREAM_ID_BYTES = 1024;
  /** Most bytes of {@code sourceMetadata} keys and values together (copied to the output). */
  public static final int MAX_METADATA_BYTES = 64 * 1024;
  /** Most bytes of Kafka record headers (names and values; copied to the output or dead letter). */
  public static final int MAX_HEADER_BYTES = 64 * 1024;

  /** Why a chunk was refused. */
  public record Rejection(DeadLetterReason reason, String message) {}

  private ChunkValidator() {}

  /** {@link #validate(String, AudioChunk, EventTimeBounds, long)} with default bounds, now. */
  public static Optional<Rejection> validate(String key, AudioChunk chunk) {
    return validate(key, chunk, EventTimeBounds.defaults(), System.currentTimeMillis());
  }

  /**
   * The first rule {@code chunk} breaks, or empty if it is valid. {@code key} is the Kafka key;
   * event times are judged by {@code bounds} against the wall clock {@code nowMillis}.
   */
  public static Optional<Rejection> validate(String key, AudioChunk chunk, EventTimeBounds bounds,
      long nowMillis) {
    if (key == null || key.isEmpty()) {
      return reject(DeadLetterReason.MISSING_KEY, "record has no key; the key must be the stream id");
    }
    int keyBytes = utf8Length(key);
    if (keyBytes > MAX_STREAM_ID_BYTES) {
      return reject(DeadLetterReason.OTHER, "key is " + keyBytes + " bytes; stream ids are at most "
          + MAX_STREAM_ID_BYTES);
    }
    if (!key.equals(chunk.getStreamId().toString())) {
      return reject(DeadLetterReason.KEY_MISMATCH,
          "key '" + key + "' differs from streamId '" + shorten(chunk.getStreamId()) + "'");
    }
    if (chunk.getSequenceNumber() < 0) {
      return reject(DeadLetterReason.BAD_SEQUENCE,
          "negative sequenceNumber " + chunk.getSequenceNumber());
    }
    Optional<String> badTime = bounds.violation(chunk.getEventTimeStartMicros(), nowMillis);
    if (badTime.isPresent()) {
      return reject(DeadLetterReason.BAD_EVENT_TIME, badTime.get());
    }
    long metadataBytes = metadataBytes(chunk.getSourceMetadata());
    if (metadataBytes > MAX_METADATA_BYTES) {
      return reject(DeadLetterReason.OTHER, "sourceMetadata is " + metadataBytes
          + " bytes, more than " + MAX_METADATA_BYTES);
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

  /** Refuses a record whose headers would make its output too large to produce. */
  public static Optional<Rejection> validateHeaders(long headerBytes) {
    if (headerBytes > MAX_HEADER_BYTES) {
      return reject(DeadLetterReason.OTHER,
          "record headers are " + headerBytes + " bytes, more than " + MAX_HEADER_BYTES);
    }
    return Optional.empty();
  }

  /** How long a chunk that passed {@link #validate} lasts, in microseconds (at least 1). */
  public static long durationMicros(AudioChunk chunk) {
    int frameBytes = SampleCodec.bytesPerSample(chunk.getEncoding()) * chunk.getChannels();
    long frames = chunk.getPayload().remaining() / frameBytes;
    return Math.max(1, frames * 1_000_000L / chunk.getSampleRate());
  }

  /** The remaining bytes of an Avro bytes field, without disturbing its position. */
  public static byte[] bytesOf(ByteBuffer buffer) {
    ByteBuffer view = buffer.duplicate();
    byte[] bytes = new byte[view.remaining()];
    view.get(bytes);
    return bytes;
  }

  private static long metadataBytes(Map<String, String> metadata) {
    if (metadata == null) {
      return 0;
    }
    long bytes = 0;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      bytes += utf8Length(e.getKey()) + (e.getValue() == null ? 0 : utf8Length(e.getValue()));
    }
    return bytes;
  }

  private static int utf8Length(CharSequence s) {
    return s.toString().getBytes(StandardCharsets.UTF_8).length;
  }

  /** A field quoted in a message; the message must stay short whatever the record holds. */
  private static String shorten(CharSequence s) {
    String text = s.toString();
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }

  private static Optional<Rejection> reject(DeadLetterReason reason, String message) {
    return Optional.of(new Rejection(reason, message));
  }
}
