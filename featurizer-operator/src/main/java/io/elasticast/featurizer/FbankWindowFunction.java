package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by stream id: normalised {@link AudioChunk}s in, {@link SpectrogramWindow}s out. A thin
 * shell over {@link FeedFeaturizer}: it decodes the chunk, loads the feed's {@link FeedState} from
 * managed state, lets the featurizer work, stores the state back, and keeps an event-time timer
 * that flushes the feed once it goes idle (ending its open native segment) and, after
 * {@code retention} more, clears the feed's state altogether. Chunks that are not mono 16 kHz
 * FLOAT32LE go to {@link #REJECTED} with a reason.
 */
public class FbankWindowFunction extends KeyedProcessFunction<String, AudioChunk, SpectrogramWindow> {

  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("featurizer-rejected", new AvroTypeInfo<>(DeadLetter.class));
  /** Shown as DeadLetter.sourceTopic: the record was refused here, not read from a topic. */
  public static final String REJECTED_SOURCE = "featurizer-operator";

  private final FeaturizerSettings settings;

  private transient ValueState<FeedState> feedState;
  private transient ValueState<Long> flushTimer;
  private transient ValueState<Long> cleanupTimer;
  private transient ExtractorCache extractors;
  private transient FeedMetrics totals;
  private transient Map<String, FeedMetrics> perFeed;
  private transient MetricGroup metrics;
  private transient Counter rejected;

  public FbankWindowFunction(FeaturizerSettings settings) {
    this.settings = settings;
  }

  @Override
  public void open(OpenContext openContext) {
    feedState = getRuntimeContext().getState(new ValueStateDescriptor<>("feed", FeedState.class));
    flushTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("idle-flush-timer", Types.LONG));
    cleanupTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("cleanup-timer", Types.LONG));
    extractors = new ExtractorCache(settings.numMelBins());
    metrics = getRuntimeContext().getMetricGroup();
    totals = new FeedMetrics(metrics);
    perFeed = new HashMap<>();
    rejected = metrics.counter("rejectedChunks");
  }

  @Override
  public void processElement(AudioChunk chunk, Context ctx, Collector<SpectrogramWindow> out)
      throws Exception {
    ChunkValidator.Result decoded = ChunkValidator.decode(chunk);
    if (!decoded.ok()) {
      rejected.inc();
      ctx.output(REJECTED, deadLetter(chunk, decoded, ctx));
      return;
    }
    FeedState state = feedState.value();
    if (state == null) {
      state = new FeedState();
    }
    FeedFeaturizer featurizer = new FeedFeaturizer(ctx.getCurrentKey(), settings, extractors, state);
    runCounted(ctx.getCurrentKey(), state, out, emit -> featurizer.acceptChunk(chunk.getSequenceNumber(),
        chunk.getEventTimeStartMicros(), decoded.samples(), emit));
    feedState.update(state);

    long chunkEndMillis = (chunk.getEventTimeStartMicros()
        + decoded.samples().length * 1_000_000L / FeaturizerSettings.SAMPLE_RATE) / 1000;
    rescheduleFlush(ctx, chunkEndMillis + settings.idleTimeout().toMillis());
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<SpectrogramWindow> out)
      throws Exception {
    Long flushAt = flushTimer.value();
    if (flushAt != null && flushAt == timestamp) {
      FeedState state = feedState.value();
      FeedFeaturizer featurizer = new FeedFeaturizer(ctx.getCurrentKey(), settings, extractors, state);
      runCounted(ctx.getCurrentKey(), state, out, featurizer::flush);
      feedState.update(state);
      flushTimer.clear();
      long cleanupAt = timestamp + settings.retention().toMillis();
      ctx.timerService().registerEventTimeTimer(cleanupAt);
      cleanupTimer.update(cleanupAt);
      return;
    }
    Long cleanupAt = cleanupTimer.value();
    if (cleanupAt != null && cleanupAt == timestamp) {
      // idle for the whole retention: forget the feed (sequence numbers restart if it returns)
      feedState.clear();
      cleanupTimer.clear();
    }
  }

  private void rescheduleFlush(Context ctx, long flushAt) throws Exception {
    Long previous = flushTimer.value();
    if (previous != null && previous >= flushAt) {
      // a duplicate or late chunk must not pull the idle flush earlier
      return;
    }
    if (previous != null) {
      ctx.timerService().deleteEventTimeTimer(previous);
    }
    ctx.timerService().registerEventTimeTimer(flushAt);
    flushTimer.update(flushAt);
    Long cleanup = cleanupTimer.value();
    if (cleanup != null) {
      ctx.timerService().deleteEventTimeTimer(cleanup);
      cleanupTimer.clear();
    }
  }

  /** Runs one featurizer step, forwarding windows and turning counter changes into metrics. */
  private void runCounted(String feed, FeedState state, Collector<SpectrogramWindow> out,
      Consumer<Consumer<SpectrogramWindow>> step) {
    FeedState.FeedStats before = copy(state.stats);
    step.accept(out::collect);
    FeedMetrics feedMetrics = perFeed.computeIfAbsent(feed,
        id -> new FeedMetrics(metrics.addGroup("feed", id)));
    totals.add(before, state.stats);
    feedMetrics.add(before, state.stats);
  }

  private static FeedState.FeedStats copy(FeedState.FeedStats stats) {
    FeedState.FeedStats c = new FeedState.FeedStats();
    c.windows = stats.windows;
    c.frames = stats.frames;
    c.duplicates = stats.duplicates;
    c.lateChunks = stats.lateChunks;
    c.gaps = stats.gaps;
    return c;
  }

  /** Windows, frames, duplicates, late chunks and gaps: once for the operator, once per feed. */
  private static final class FeedMetrics {
    final Counter windows;
    final Counter frames;
    final Counter duplicates;
    final Counter late;
    final Counter gaps;

    FeedMetrics(MetricGroup group) {
      windows = group.counter("windowsEmitted");
      frames = group.counter("framesComputed");
      duplicates = group.counter("duplicateChunks");
      late = group.counter("lateChunks");
      gaps = group.counter("gaps");
    }

    void add(FeedState.FeedStats before, FeedState.FeedStats after) {
      windows.inc(after.windows - before.windows);
      frames.inc(after.frames - before.frames);
      duplicates.inc(after.duplicates - before.duplicates);
      late.inc(after.lateChunks - before.lateChunks);
      gaps.inc(after.gaps - before.gaps);
    }
  }

  private static DeadLetter deadLetter(AudioChunk chunk, ChunkValidator.Result why, Context ctx) {
    return DeadLetter.newBuilder()
        .setSourceTopic(REJECTED_SOURCE)
        .setSourcePartition(-1)
        .setSourceOffset(chunk.getSequenceNumber())
        .setKey(chunk.getStreamId() == null ? null
            : ByteBuffer.wrap(chunk.getStreamId().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .setOriginalValue(encode(chunk))
        .setReason(why.reason())
        .setMessage(why.message() + " (stream " + chunk.getStreamId() + " seq "
            + chunk.getSequenceNumber() + ")")
        .setTimeMicros(ctx.timerService().currentProcessingTime() * 1000)
        .build();
  }

  /** The refused chunk in Avro single-object encoding; none if even that fails (it is optional). */
  private static ByteBuffer encode(AudioChunk chunk) {
    try {
      return chunk.toByteBuffer();
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
