package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Stamps one feed's PCM pieces as {@link AudioChunk}s: contiguous sequence numbers from 0 and
 * event times derived from the total frames so far (so rounding never accumulates into drift).
 */
public final class Chunker {

  private final String streamId;
  private final PcmFormat format;
  private final long startMicros;
  private final Map<String, String> metadata;
  private long nextSequence;
  private long frames;

  public Chunker(String streamId, PcmFormat format, long startMicros, Map<String, String> metadata) {
    this.streamId = streamId;
    this.format = format;
    this.startMicros = startMicros;
    this.metadata = Map.copyOf(metadata);
  }

  /** Frames of one chunk of {@code millis} milliseconds (at least one). */
  public static int framesPerChunk(int sampleRate, int millis) {
    return Math.max(1, (int) Math.round(sampleRate * (double) millis / 1_000));
  }

  /** The next chunk; {@code payload} holds whole frames in this feed's format. */
  public AudioChunk next(byte[] payload) {
    AudioChunk chunk = AudioChunk.newBuilder()
        .setStreamId(streamId)
        .setSequenceNumber(nextSequence++)
        .setEventTimeStartMicros(startMicros + frames * 1_000_000L / format.sampleRate())
        .setSampleRate(format.sampleRate())
        .setChannels(format.channels())
        .setEncoding(format.encoding())
        .setPayload(ByteBuffer.wrap(payload))
        .setSourceMetadata(metadata.isEmpty() ? null : metadata)
        .build();
    frames += payload.length / format.frameBytes();
    return chunk;
  }

  /** Frames stamped so far. */
  public long frames() {
    return frames;
  }

  public long chunks() {
    return nextSequence;
  }
}
