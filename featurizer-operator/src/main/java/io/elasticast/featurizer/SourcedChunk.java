package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;

/**
 * One record read from the input topic, with where it came from, so that every record the job
 * refuses becomes a dead letter naming its topic, partition and offset. A record that could not
 * be read at all has no {@link #chunk} but a {@link #rejectReason} and its raw {@link #value}.
 * After {@link ChunkGate} a record carries its decoded {@link #samples} and its chunk's payload is
 * emptied, so samples are decoded and scanned once and not carried twice through the shuffle.
 * A Flink POJO.
 */
public class SourcedChunk {

  public String topic;
  public int partition = -1;
  public long offset = -1;
  /** The Kafka key as written (null when the record had none). */
  public byte[] key;
  /** The decoded chunk; null when the value could not be decoded. */
  public AudioChunk chunk;
  /** The raw value, kept only when it could not be decoded (for the dead letter). */
  public byte[] value;
  /** Set where the record was read when it is already known to be unusable. */
  public DeadLetterReason rejectReason;
  public String rejectMessage;
  /** Mono 16 kHz samples, set by {@link ChunkGate}. */
  public float[] samples;

  public SourcedChunk() {}

  /** A chunk that did not come from Kafka (tests, in-memory sources): keyed by its stream id. */
  public static SourcedChunk of(AudioChunk chunk) {
    SourcedChunk s = new SourcedChunk();
    s.topic = "in-memory";
    s.chunk = chunk;
    s.key = chunk.getStreamId() == null ? null
        : chunk.getStreamId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return s;
  }

  /** The stream id the featurizer keys by (only meaningful for records that passed the gate). */
  public String streamId() {
    return chunk.getStreamId();
  }

  /** Event time in milliseconds for watermarks; refused records do not move them. */
  public long eventTimeMillis() {
    return rejectReason == null && chunk != null ? chunk.getEventTimeStartMicros() / 1000 : Long.MIN_VALUE;
  }
}
