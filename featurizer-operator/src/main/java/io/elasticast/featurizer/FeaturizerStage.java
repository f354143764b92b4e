package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.SpectrogramWindow;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Wires the featurizer into a job: chunks keyed by stream id → {@link FbankWindowFunction}. The
 * chunks need event-time timestamps and watermarks (from {@code eventTimeStartMicros}) for idle
 * feeds to be flushed while others still send.
 */
public final class FeaturizerStage {

  public static final String UID = "fbank-windows";

  private FeaturizerStage() {}

  /** Admitted chunks → each feed's windows. */
  public static SingleOutputStreamOperator<SpectrogramWindow> windows(DataStream<FeedChunk> chunks,
      FeaturizerSettings settings) {
    return byFeed(chunks)
        .process(new FbankWindowFunction(settings), TypeInformation.of(SpectrogramWindow.class))
        .name("fbank-windows")
        .uid(UID);
  }

  /** One key per feed: a feed's cursor and frames live with its key. */
  public static KeyedStream<FeedChunk, String> byFeed(DataStream<FeedChunk> chunks) {
    return chunks.keyBy(c -> c.streamId, Types.STRING);
  }

  /**
   * Normalised chunks known to be good (tests, files) → windows; a chunk that is not normalised
   * fails the job. The Kafka job puts {@link ChunkGate} in front instead, which dead-letters them.
   */
  public static SingleOutputStreamOperator<SpectrogramWindow> windowsOfTrusted(
      DataStream<AudioChunk> chunks, FeaturizerSettings settings) {
    DataStream<FeedChunk> decoded = chunks
        .map(FeaturizerStage::decode, TypeInformation.of(FeedChunk.class))
        // chained to the source: a rebalance here would reorder each feed's chunks
        .setParallelism(chunks.getParallelism());
    return windows(decoded, settings);
  }

  static FeedChunk decode(AudioChunk chunk) {
    NormalisedAudio.Decoded d = NormalisedAudio.decode(chunk);
    if (!d.ok()) {
      throw new IllegalArgumentException("not a normalised chunk (" + d.reason() + "): " + d.message());
    }
    return FeedChunk.of(chunk, d.samples());
  }
}
