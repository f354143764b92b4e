package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.EventTimeBounds;
import io.elasticast.schemas.NormalisedAudio;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The rules a record must pass before it reaches a feed's state: it decodes, its key is its
 * stream id, its event time is sane, it is a {@link NormalisedAudio} chunk no longer than
 * {@link #maxChunk}, and its sequence number is one a feed can have. Pure; stream order is the
 * normaliser's to decide ({@code AudioChunk.order}).
 */
public record ChunkAdmission(EventTimeBounds eventTimes, Duration maxChunk) implements Serializable {

  public static final Duration DEFAULT_MAX_CHUNK = Duration.ofSeconds(10);
  /** Larger sequence numbers cannot be counted up to; they come from a broken producer. */
  public static final long MAX_SEQUENCE = 1L << 53;

  public static ChunkAdmission defaults() {
    return new ChunkAdmission(EventTimeBounds.defaults(), DEFAULT_MAX_CHUNK);
  }

  /** Why a record is refused. */
  public record Refusal(DeadLetterReason reason, String message) {}

  /** The chunk's samples, or why it is refused; {@code nowMillis} is the wall clock. */
  public Optional<Refusal> check(SourcedChunk in, long nowMillis) {
    if (in.rejectReason != null) {
      return refuse(in.rejectReason, in.rejectMessage);
    }
    AudioChunk chunk = in.chunk;
    if (chunk == null) {
      return refuse(DeadLetterReason.UNDECODABLE, "record has no chunk");
    }
    if (in.key == null || in.key.length == 0) {
      return refuse(DeadLetterReason.MISSING_KEY, "record has no key; the key must be the stream id");
    }
    byte[] streamId = chunk.getStreamId().getBytes(StandardCharsets.UTF_8);
    if (!Arrays.equals(in.key, streamId)) {
      return refuse(DeadLetterReason.KEY_MISMATCH, "key '" + new String(in.key, StandardCharsets.UTF_8)
          + "' differs from streamId '" + chunk.getStreamId() + "'");
    }
    long seq = chunk.getSequenceNumber();
    if (seq < 0 || seq > MAX_SEQUENCE) {
      return refuse(DeadLetterReason.BAD_SEQUENCE, "sequenceNumber " + seq + " is outside 0.." + MAX_SEQUENCE);
    }
    Optional<String> time = eventTimes.violation(chunk.getEventTimeStartMicros(), nowMillis);
    if (time.isPresent()) {
      return refuse(DeadLetterReason.BAD_EVENT_TIME, time.get());
    }
    NormalisedAudio.Decoded decoded = NormalisedAudio.decode(chunk);
    if (!decoded.ok()) {
      return refuse(decoded.reason(), decoded.message());
    }
    long micros = NormalisedAudio.durationMicros(decoded.samples().length);
    if (micros > maxChunk.toNanos() / 1000) {
      return refuse(DeadLetterReason.CHUNK_TOO_LONG, String.format("chunk is %.3f s, longer than %.3f s",
          micros / 1e6, maxChunk.toMillis() / 1e3));
    }
    in.samples = decoded.samples();
    return Optional.empty();
  }

  private static Optional<Refusal> refuse(DeadLetterReason reason, String message) {
    return Optional.of(new Refusal(reason, message == null ? reason.name() : message));
  }
}
