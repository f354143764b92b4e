package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Wires the featurizer into a job: normalised chunks keyed by stream id →
 * {@link FbankWindowFunction}. Rejected chunks are the result's side output
 * {@link FbankWindowFunction#REJECTED}. The chunks need event-time timestamps and watermarks
 * (from {@code eventTimeStartMicros}) for idle feeds to be flushed.
 */
public final class FeaturizerStage {

  public static final String UID = "featurizer-fbank-windows";

  private FeaturizerStage() {}

  public static SingleOutputStreamOperator<SpectrogramWindow> windows(DataStream<AudioChunk> chunks,
      FeaturizerSettings settings) {
    return chunks
        .map(SourcedChunk::of, TypeInformation.of(SourcedChunk.class))
        // chained to the source: a rebalance here would reorder each feed's chunks
        .setParallelism(chunks.getParallelism())
        .keyBy(SourcedChunk::streamId, Types.STRING)
        .process(new FbankWindowFunction(settings), TypeInformation.of(SpectrogramWindow.class))
        .name("fbank windows")
        .uid(UID);
  }
}
