package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.OrderKind;
import io.elasticast.schemas.StreamOrder;

/**
 * An admitted chunk on its way to its feed's featurizer: its identity, the normaliser's order
 * verdict and its decoded samples, nothing else (no Avro record, payload or metadata rides the
 * shuffle). A Flink POJO.
 */
public class FeedChunk {

  public String streamId;
  public long sequenceNumber;
  public long startMicros;
  /** The normaliser's verdict; null for a chunk that did not come through it. */
  public OrderKind order;
  /** {@link OrderKind#GAP}: the sequence numbers that never came. */
  public long missingChunks;
  /** Mono {@link NormalisedAudio#SAMPLE_RATE} Hz samples. */
  public float[] samples;
  /** Where the record came from, for a dead letter if the feed refuses it; null/-1: not Kafka. */
  public String sourceTopic;
  public int sourcePartition = -1;
  public long sourceOffset = -1;

  public FeedChunk() {}

  public FeedChunk(String streamId, long sequenceNumber, long startMicros, StreamOrder order,
      float[] samples) {
    this.streamId = streamId;
    this.sequenceNumber = sequenceNumber;
    this.startMicros = startMicros;
    this.order = order == null ? null : order.getKind();
    this.missingChunks = order == null ? 0 : order.getMissingChunks();
    this.samples = samples;
  }

  /** {@code chunk} with its already decoded samples. */
  public static FeedChunk of(AudioChunk chunk, float[] samples) {
    return new FeedChunk(chunk.getStreamId(), chunk.getSequenceNumber(),
        chunk.getEventTimeStartMicros(), chunk.getOrder(), samples);
  }

  /** {@code in}'s chunk with its decoded samples and its place on its topic. */
  public static FeedChunk of(SourcedChunk in) {
    FeedChunk c = of(in.chunk, in.samples);
    c.sourceTopic = in.topic;
    c.sourcePartition = in.partition;
    c.sourceOffset = in.offset;
    return c;
  }

  public StreamOrder streamOrder() {
    return order == null ? null : new StreamOrder(order, missingChunks);
  }

  /** Event time just after the last sample, ms. */
  public long endMillis() {
    return (startMicros + NormalisedAudio.durationMicros(samples.length)) / 1000;
  }
}
