package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by stream id: normalised {@link AudioChunk}s in, {@link SpectrogramWindow}s out. A thin
 * shell over {@link FeedFeaturizer}: it decodes the chunk, loads the feed's {@link FeedState} from
 * managed state, lets the featurizer work, stores the state back, and keeps an event-time timer
 * that flushes the feed once it goes idle (ending its open native segment) and, after
 * {@code retention} more, clears the feed's state altogether. Chunks that are not mono 16 kHz
 * FLOAT32LE (when no {@link ChunkGate} decoded them before) and chunks whose sequence number the
 * feed cannot have go to {@link #REJECTED} with a reason and their source coordinates.
 */
public class FbankWindowFunction extends KeyedProcessFunction<String, SourcedChunk, SpectrogramWindow> {

  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("featurizer-rejected", new AvroTypeInfo<>(DeadLetter.class));
  /** Shown as DeadLetter.sourceTopic: the record was refused here, not read from a topic. */
  public static final String REJECTED_SOURCE = "featurizer-operator";

  /** The per-feed metric group: {@code addGroup(FEED_GROUP, streamId)}, a "feed" label in Prometheus. */
  public static final String FEED_GROUP = "feed";
  /** Per-feed gauge: RMS level in dBFS of the feed's latest admitted chunk ({@link AudioLevel}). */
  public static final String LEVEL_GAUGE = "levelDbfs";

  private final FeaturizerSettings settings;
  private final int maxDeadLetterValueBytes;

  private transient ValueState<FeedState> feedState;
  private transient ValueState<Long> flushTimer;
  private transient ValueState<Long> cleanupTimer;
  private transient ExtractorCache extractors;
  private transient FeedMetrics totals;
  private transient Map<String, FeedMetrics> perFeed;
  private transient MetricGroup metrics;
  private transient Counter rejected;

  public FbankWindowFunction(FeaturizerSettings settings) {
    this(settings, io.elasticast.schemas.DeadLetters.DEFAULT_MAX_VALUE_BYTES);
  }

  public FbankWindowFunction(FeaturizerSettings settings, int maxDeadLetterValueBytes) {
    this.settings = settings;
    this.maxDeadLetterValueBytes = maxDeadLetterValueBytes;
  }

  @Override
  public void open(OpenContext openContext) {
    feedState = getRuntimeContext().getState(new ValueStateDescriptor<>("feed", FeedState.class));
    flushTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("idle-flush-timer", Types.LONG));
    cleanupTimer = getRuntimeContext().getState(new ValueStateDescriptor<>("cleanup-timer", Types.LONG));
    extractors = new ExtractorCache(settings.numMelBins());
    metrics = getRuntimeContext().getMetricGroup();
    totals = new FeedMetrics(metrics, false);
    perFeed = new HashMap<>();
    rejected = metrics.counter("rejectedChunks");
  }

  @Override
  public void processElement(SourcedChunk in, Context ctx, Collector<SpectrogramWindow> out)
      throws Exception {
    AudioChunk chunk = in.chunk;
    float[] samples = in.samples;
    if (samples == null) {
      ChunkValidator.Result decoded = ChunkValidator.decode(chunk);
      if (!decoded.ok()) {
        reject(in, new ChunkAdmission.Refusal(decoded.reason(), decoded.message()), ctx);
        return;
      }
      samples = decoded.samples();
    }
    FeedState state = feedState.value();
    if (state == null) {
      state = new FeedState();
    }
    FeedFeaturizer featurizer = new FeedFeaturizer(ctx.getCurrentKey(), settings, extractors, state);
    float[] accepted = samples;
    FeedFeaturizer.Verdict[] verdict = new FeedFeaturizer.Verdict[1];
    runCounted(ctx.getCurrentKey(), state, out, emit -> verdict[0] = featurizer.acceptChunk(
        chunk.getSequenceNumber(), chunk.getEventTimeStartMicros(), accepted, emit));
    feedState.update(state);
    if (verdict[0] == FeedFeaturizer.Verdict.ACCEPTED || verdict[0] == FeedFeaturizer.Verdict.RESTARTED) {
      // the level of what the feed is sending now; repeats and refused chunks say nothing new
      feedMetrics(ctx.getCurrentKey()).levelDbfs = AudioLevel.dbfs(samples, 0, samples.length);
    }
    if (verdict[0] == FeedFeaturizer.Verdict.IMPLAUSIBLE_SEQUENCE) {
      reject(in, new ChunkAdmission.Refusal(io.elasticast.schemas.DeadLetterReason.BAD_SEQUENCE,
          "sequenceNumber " + chunk.getSequenceNumber() + " jumps ahead of the feed's next "
              + state.nextSequence + " further than its event time accounts for"), ctx);
      return;
    }

    long chunkEndMillis = (chunk.getEventTimeStartMicros()
        + samples.length * 1_000_000L / FeaturizerSettings.SAMPLE_RATE) / 1000;
    rescheduleFlush(ctx, chunkEndMillis + settings.idleTimeout().toMillis());
  }

  private void reject(SourcedChunk in, ChunkAdmission.Refusal why, Context ctx) {
    rejected.inc();
    ctx.output(REJECTED, ChunkGate.deadLetter(in, why, ctx.timerService().currentProcessingTime(),
        maxDeadLetterValueBytes));
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
      // and its metrics, so a reporter does not show a feed that is gone with its last level for
      // ever, nor keep one series per feed ever seen; a feed that returns gets new ones
      FeedMetrics gone = perFeed.remove(ctx.getCurrentKey());
      if (gone != null) {
        gone.close();
      }
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
    totals.add(before, state.stats);
    feedMetrics(feed).add(before, state.stats);
  }

  private FeedMetrics feedMetrics(String feed) {
    return perFeed.computeIfAbsent(feed, id -> new FeedMetrics(metrics.addGroup(FEED_GROUP, id), true));
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

  /**
   * Windows, frames, duplicates, late chunks and gaps: once for the operator, once per feed; per
   * feed also the level of its latest admitted chunk.
   */
  private static final class FeedMetrics {
    final MetricGroup group;
    final Counter windows;
    final Counter frames;
    final Counter duplicates;
    final Counter late;
    final Counter gaps;
    /** NaN until the feed's first chunk on this subtask (since it started or was restored). */
    volatile double levelDbfs = Double.NaN;

    FeedMetrics(MetricGroup group, boolean oneFeed) {
      this.group = group;
      windows = group.counter("windowsEmitted");
      frames = group.counter("framesComputed");
      duplicates = group.counter("duplicateChunks");
      late = group.counter("lateChunks");
      gaps = group.counter("gaps");
      if (oneFeed) {
        group.gauge(LEVEL_GAUGE, (Gauge<Double>) () -> levelDbfs);
      }
    }

    /**
     * Unregisters the feed's metrics from every reporter. Flink's {@link MetricGroup} has no
     * remove; closing the runtime's group unregisters all it holds, and a later
     * {@code addGroup("feed", id)} for the same id sees the closed group and makes a new one (in
     * Flink 2.2 {@code AbstractMetricGroup.addGroup} replaces a closed child). What stays behind
     * is an empty closed group object per removed id until that id comes back. A group that is
     * not the runtime's ({@code UnregisteredMetricsGroup}) registered nothing to take back.
     */
    void close() {
      if (group instanceof AbstractMetricGroup<?> runtimeGroup) {
        runtimeGroup.close();
      }
    }

    void add(FeedState.FeedStats before, FeedState.FeedStats after) {
      windows.inc(after.windows - before.windows);
      frames.inc(after.frames - before.frames);
      duplicates.inc(after.duplicates - before.duplicates);
      late.inc(after.lateChunks - before.lateChunks);
      gaps.inc(after.gaps - before.gaps);
    }
  }
}
