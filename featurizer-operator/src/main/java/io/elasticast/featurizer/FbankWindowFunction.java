package io.elasticast.featurizer;

import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.DeadLetters;
import io.elasticast.schemas.SpectrogramWindow;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by stream id: admitted {@link FeedChunk}s in, {@link SpectrogramWindow}s out. A thin shell
 * over {@link FeedFeaturizer}: it loads the feed's {@link FeedCursor} (value state) and hands it
 * the feed's {@link FrameBlock}s (map state), so a chunk reads and writes the small cursor and the
 * blocks it appends to or reads, never the whole feed.
 *
 * <p><b>Idle policy</b>, one per feed: a feed whose latest chunk ended {@code idleTimeout} ago in
 * event time is flushed (its open segment ends, its frames are dropped) when the watermark passes
 * that point. When every feed of this subtask has stopped, the watermark stops too; then, once no
 * feed has sent a chunk for {@code stoppedInputFlush} of processing time, every feed is flushed
 * all the same. That wait is longer than the outages the pipeline rides out (a broker restart),
 * after which the feeds go on where they were. {@code retention} of event time after its flush, a feed's state
 * and metrics are forgotten. Each feed has at most one timer of each kind pending: a timer that
 * fires early for a feed that has moved on is simply set again, so chunks never delete timers.
 *
 * <p>A chunk whose sequence number jumps further than its event time accounts for ({@link
 * RunSequencer.Step#IMPLAUSIBLE}) goes to {@link #REJECTED} as a dead letter (its source
 * coordinates and key, without the value, which the gate did not pass on) and changes nothing.
 */
public class FbankWindowFunction extends KeyedProcessFunction<String, FeedChunk, SpectrogramWindow> {

  /** The per-feed metric group: {@code addGroup(FEED_GROUP, streamId)}, a "feed" label in Prometheus. */
  public static final String FEED_GROUP = "feed";
  /** Per-feed gauge: RMS level in dBFS of the feed's latest chunk taken ({@link AudioLevel}). */
  public static final String LEVEL_GAUGE = "levelDbfs";
  /** Managed state names (the cursor, the frame blocks). */
  public static final String CURSOR_STATE = "feed-cursor";
  public static final String FRAMES_STATE = "feed-frames";
  /** Chunks the feed refused (see above). */
  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("feed-rejected", new AvroTypeInfo<>(DeadLetter.class));

  private final FeaturizerSettings settings;

  private transient ValueState<FeedCursor> cursors;
  private transient MapState<Long, FrameBlock> frameBlocks;
  private transient FrameStore frames;
  private transient ExtractorCache extractors;
  private transient FeedFeaturizer defaultFeaturizer;
  private transient Map<List<WindowPolicy>, FeedFeaturizer> perFeedFeaturizers;
  private transient FeedMetrics totals;
  private transient Map<String, FeedMetrics> perFeed;
  private transient MetricGroup metrics;
  /** Processing time of the latest chunk this subtask received, from any feed. */
  private transient long lastInputMillis;

  public FbankWindowFunction(FeaturizerSettings settings) {
    this.settings = settings;
  }

  @Override
  public void open(OpenContext openContext) {
    cursors = getRuntimeContext().getState(
        new ValueStateDescriptor<>(CURSOR_STATE, TypeInformation.of(FeedCursor.class)));
    frameBlocks = getRuntimeContext().getMapState(
        new MapStateDescriptor<>(FRAMES_STATE, LongSerializer.INSTANCE, FrameBlockSerializer.INSTANCE));
    frames = new MapStateFrames(frameBlocks);
    extractors = new ExtractorCache(settings.numMelBins());
    defaultFeaturizer = new FeedFeaturizer(settings, settings.policies(), extractors);
    perFeedFeaturizers = new HashMap<>();
    metrics = getRuntimeContext().getMetricGroup();
    totals = new FeedMetrics(metrics, false);
    perFeed = new HashMap<>();
    lastInputMillis = System.currentTimeMillis();
  }

  @Override
  public void processElement(FeedChunk chunk, Context ctx, Collector<SpectrogramWindow> out)
      throws Exception {
    String feed = ctx.getCurrentKey();
    long now = ctx.timerService().currentProcessingTime();
    lastInputMillis = now;
    FeedCursor cursor = cursors.value();
    if (cursor == null) {
      cursor = new FeedCursor();
    }
    FeedCursor.FeedStats before = cursor.stats.copy();
    RunSequencer.Step step = featurizerFor(feed).accept(feed, cursor, frames, chunk, out::collect);
    count(feed, before, cursor.stats);
    if (step == RunSequencer.Step.IMPLAUSIBLE) {
      ctx.output(REJECTED, DeadLetters.of(
          chunk.sourceTopic == null ? "unknown" : chunk.sourceTopic, chunk.sourcePartition,
          chunk.sourceOffset, feed.getBytes(StandardCharsets.UTF_8), null,
          DeadLetterReason.BAD_SEQUENCE, "sequenceNumber " + chunk.sequenceNumber
              + " jumps ahead of the feed's latest " + cursor.lastSequence
              + " further than its event time accounts for",
          now * 1000));
      return;
    }
    if (step != RunSequencer.Step.DUPLICATE) {
      feedMetrics(feed).levelDbfs = AudioLevel.dbfs(chunk.samples, 0, chunk.samples.length);
      // a new run's time starts over; within a run, a chunk cannot pull the idle point back
      cursor.lastChunkEndMillis = step == RunSequencer.Step.NEW_RUN ? chunk.endMillis()
          : Math.max(cursor.lastChunkEndMillis, chunk.endMillis());
      cursor.lastArrivalMillis = now;
      cursor.flushedAtMillis = FeedCursor.NONE;
      scheduleEventTimer(ctx, cursor, cursor.lastChunkEndMillis + settings.idleTimeout().toMillis());
      scheduleWallTimer(ctx, cursor, now + settings.stoppedInputFlush().toMillis());
    }
    cursors.update(cursor);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<SpectrogramWindow> out)
      throws Exception {
    FeedCursor cursor = cursors.value();
    if (cursor == null) {
      return; // forgotten already; a timer of it was still pending
    }
    long idle = settings.idleTimeout().toMillis();
    if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
      if (timestamp == cursor.eventTimerAt) {
        cursor.eventTimerAt = FeedCursor.NONE;
      }
      if (cursor.started && cursor.lastChunkEndMillis + idle <= timestamp) {
        flushIdle(ctx.getCurrentKey(), cursor, cursor.lastChunkEndMillis + idle, out);
      }
      if (cursor.started) {
        scheduleEventTimer(ctx, cursor, cursor.lastChunkEndMillis + idle);
      } else if (cursor.flushedAtMillis != FeedCursor.NONE) {
        long forgetAt = cursor.flushedAtMillis + settings.retention().toMillis();
        if (forgetAt <= timestamp) {
          forget(ctx.getCurrentKey());
          return;
        }
        scheduleEventTimer(ctx, cursor, forgetAt);
      }
    } else {
      if (timestamp == cursor.wallTimerAt) {
        cursor.wallTimerAt = FeedCursor.NONE;
      }
      long stopped = settings.stoppedInputFlush().toMillis();
      if (cursor.started) {
        if (cursor.lastArrivalMillis + stopped > timestamp) {
          scheduleWallTimer(ctx, cursor, cursor.lastArrivalMillis + stopped);
        } else if (lastInputMillis + stopped > timestamp) {
          // other feeds still send, so the watermark moves: the event-time timer decides
          scheduleWallTimer(ctx, cursor, lastInputMillis + stopped);
        } else {
          // nothing has arrived for that long: the watermark stopped with the input, so the
          // clock decides (after an outage shorter than this the feeds go on where they were)
          flushIdle(ctx.getCurrentKey(), cursor, cursor.lastChunkEndMillis + idle, out);
          scheduleEventTimer(ctx, cursor, cursor.flushedAtMillis + settings.retention().toMillis());
        }
      }
    }
    cursors.update(cursor);
  }

  /** Ends the feed's run as idle at event time {@code atMillis}. */
  private void flushIdle(String feed, FeedCursor cursor, long atMillis,
      Collector<SpectrogramWindow> out) {
    FeedCursor.FeedStats before = cursor.stats.copy();
    featurizerFor(feed).flush(feed, cursor, frames, out::collect);
    cursor.stats.idleFlushes++;
    cursor.flushedAtMillis = atMillis;
    count(feed, before, cursor.stats);
  }

  /** Idle for the whole retention: the feed's state and metrics go; if it returns it starts afresh. */
  private void forget(String feed) throws Exception {
    cursors.clear();
    frameBlocks.clear();
    // a reporter should not show a feed that is gone with its last level for ever, nor keep one
    // series per feed ever seen; a feed that returns gets new ones
    FeedMetrics gone = perFeed.remove(feed);
    if (gone != null) {
      gone.close();
    }
  }

  private static void scheduleEventTimer(Context ctx, FeedCursor cursor, long at) {
    if (cursor.eventTimerAt == FeedCursor.NONE || at < cursor.eventTimerAt) {
      ctx.timerService().registerEventTimeTimer(at);
      cursor.eventTimerAt = at;
    }
  }

  private static void scheduleWallTimer(Context ctx, FeedCursor cursor, long at) {
    if (cursor.wallTimerAt == FeedCursor.NONE || at < cursor.wallTimerAt) {
      ctx.timerService().registerProcessingTimeTimer(at);
      cursor.wallTimerAt = at;
    }
  }

  private FeedFeaturizer featurizerFor(String feed) {
    List<WindowPolicy> own = settings.perFeedPolicies().get(feed);
    return own == null ? defaultFeaturizer
        : perFeedFeaturizers.computeIfAbsent(own, p -> new FeedFeaturizer(settings, p, extractors));
  }

  private void count(String feed, FeedCursor.FeedStats before, FeedCursor.FeedStats after) {
    totals.add(before, after);
    feedMetrics(feed).add(before, after);
  }

  private FeedMetrics feedMetrics(String feed) {
    return perFeed.computeIfAbsent(feed, id -> new FeedMetrics(metrics.addGroup(FEED_GROUP, id), true));
  }

  /** The feed's frame blocks in Flink map state (heap objects, or RocksDB entries). */
  private static final class MapStateFrames implements FrameStore {
    private final MapState<Long, FrameBlock> state;

    MapStateFrames(MapState<Long, FrameBlock> state) {
      this.state = state;
    }

    @Override
    public FrameBlock get(long key) {
      try {
        return state.get(key);
      } catch (Exception e) {
        throw new IllegalStateException("cannot read frame block " + key, e);
      }
    }

    @Override
    public void put(long key, FrameBlock block) {
      try {
        state.put(key, block);
      } catch (Exception e) {
        throw new IllegalStateException("cannot write frame block " + key, e);
      }
    }

    @Override
    public void remove(long key) {
      try {
        state.remove(key);
      } catch (Exception e) {
        throw new IllegalStateException("cannot remove frame block " + key, e);
      }
    }
  }

  /**
   * Windows, frames, duplicates, gaps and restarts: once for the operator, once per feed; per feed
   * also the level of its latest chunk.
   */
  private static final class FeedMetrics {
    final MetricGroup group;
    final Counter windows;
    final Counter frames;
    final Counter duplicates;
    final Counter gaps;
    final Counter restarts;
    /** NaN until the feed's first chunk on this subtask (since it started or was restored). */
    volatile double levelDbfs = Double.NaN;

    FeedMetrics(MetricGroup group, boolean oneFeed) {
      this.group = group;
      windows = group.counter("windowsEmitted");
      frames = group.counter("framesComputed");
      duplicates = group.counter("duplicateChunks");
      gaps = group.counter("gaps");
      restarts = group.counter("restarts");
      if (oneFeed) {
        group.gauge(LEVEL_GAUGE, (Gauge<Double>) () -> levelDbfs);
      }
    }

    /**
     * Unregisters the feed's metrics from every reporter. Flink's {@link MetricGroup} has no
     * remove; closing the runtime's group unregisters all it holds, and a later
     * {@code addGroup("feed", id)} for the same id sees the closed group and makes a new one (in
     * Flink 2.2 {@code AbstractMetricGroup.addGroup} replaces a closed child). A group that is
     * not the runtime's ({@code UnregisteredMetricsGroup}) registered nothing to take back.
     */
    void close() {
      if (group instanceof AbstractMetricGroup<?> runtimeGroup) {
        runtimeGroup.close();
      }
    }

    void add(FeedCursor.FeedStats before, FeedCursor.FeedStats after) {
      windows.inc(after.windows - before.windows);
      frames.inc(after.frames - before.frames);
      duplicates.inc(after.duplicates - before.duplicates);
      gaps.inc(after.gaps - before.gaps);
      restarts.inc(after.restarts - before.restarts);
    }
  }
}
