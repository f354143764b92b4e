package io.elasticast.inference;

import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.inference.PackingQueue.Waiting;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.PackStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The Flink face of packed inference: windows from any feeds wait in a {@link PackingQueue}
 * until the token budget fills or the oldest reaches its deadline (a processing-time timer), then
 * one {@link WindowClassifier} batch scores them and each becomes a {@link ClassificationEvent}.
 * Each subtask packs its own share (non-keyed, so windows of all its feeds share calls).
 *
 * <p>A checkpoint barrier drains the queue first ({@link #prepareSnapshotPreBarrier}): every window
 * that arrived before the barrier is scored and emitted ahead of it, so a checkpoint holds no
 * waiting window and a restore, at any parallelism, has nothing of another subtask's feeds to
 * re-queue. (Operator list state would be redistributed round-robin on rescale and put a feed's
 * restored windows on another subtask than its new ones.) The cost is one partial batch per
 * checkpoint. The queue is bounded; a full queue runs a batch inside {@code processElement}, which blocks the
 * input (backpressure), never drops. Alerts (watch list above threshold) and rejected windows
 * (with their reason) go to side outputs.
 *
 * <p>Watermarks are held back behind waiting windows: an event leaves with its window's end as
 * timestamp, so a watermark passed on while its window still waits would make the event late for
 * event-time logic downstream (the incident operator closes a feed's incidents once its windows
 * stopped for the hold time; in a backfill the watermark runs many seconds of event time ahead
 * while a batch fills, and at the end of a bounded input the final watermark would overtake the
 * last batch).
 */
public class PackAndInferOperator extends AbstractStreamOperator<ClassificationEvent>
    implements OneInputStreamOperator<SpectrogramWindow, ClassificationEvent>, BoundedOneInput {

  public static final TypeInformation<ClassificationEvent> EVENT_TYPE =
      new AvroTypeInfo<>(ClassificationEvent.class);
  /** Windows the model cannot take, with the reason. */
  public static final OutputTag<RejectedWindow> REJECTED =
      new OutputTag<>("rejected-windows", TypeInformation.of(RejectedWindow.class));

  /**
   * Operator list state that checkpoints written before the pre-barrier drain may hold; read on
   * restore (re-queued), always written empty.
   */
  @VisibleForTesting static final String STATE_NAME = "windows-waiting-for-inference";
  private static final int HISTOGRAM_WINDOW = 1024;

  /** A waiting window and when it arrived (processing time, ms): the unit of checkpointed state. */
  public static class WaitingWindow {
    public SpectrogramWindow window;
    public long arrivalMillis;

    public WaitingWindow() {}

    public WaitingWindow(SpectrogramWindow window, long arrivalMillis) {
      this.window = window;
      this.arrivalMillis = arrivalMillis;
    }
  }

  private final InferenceSettings settings;

  private transient ListState<WaitingWindow> waitingState;
  private transient ModelConfig model;
  private transient Patchifier patchifier;
  private transient PackingQueue<WaitingWindow> queue;
  private transient WindowClassifier classifier;
  private transient ClassificationEvents events;
  private transient long timerAt;
  private transient Metrics metrics;
  /** The input's latest watermark, and the latest passed on (never at or after a waiting window). */
  private transient long inputWatermark;
  private transient long emittedWatermark;

  public PackAndInferOperator(InferenceSettings settings) {
    this.settings = settings;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    model = ModelConfig.load(Path.of(settings.modelPath()));
    patchifier = new Patchifier(model, settings.featureScale());
    waitingState = context.getOperatorStateStore().getListState(
        new ListStateDescriptor<>(STATE_NAME, TypeInformation.of(WaitingWindow.class)));
    queue = new PackingQueue<>(settings.tokenBudget(), settings.maxDelayMillis(),
        settings.maxWaitingWindows());
    if (context.isRestored()) {
      // the windows restored here were waiting at the checkpoint; they keep their arrival time
      // (clamped to now, in case this machine's clock is behind), so a restore never makes them
      // wait longer than max_delay_ms more: usually their deadline has passed and they run at once
      List<Waiting<WaitingWindow>> restored = new ArrayList<>();
      long now = getProcessingTimeService().getCurrentProcessingTime();
      for (WaitingWindow w : waitingState.get()) {
        w.arrivalMillis = Math.min(w.arrivalMillis, now);
        restored.add(new Waiting<>(w, tokensOf(w.window), w.arrivalMillis));
      }
      queue.restore(restored);
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    classifier = WindowClassifier.open(model, settings);
    events = new ClassificationEvents(model, settings.topK());
    metrics = new Metrics();
    timerAt = Long.MAX_VALUE;
    inputWatermark = Long.MIN_VALUE;
    emittedWatermark = Long.MIN_VALUE;
    scheduleDeadline();
  }

  /** Tokens a window takes of the budget; one for a window that will be rejected. */
  private int tokensOf(SpectrogramWindow w) {
    return patchifier.rejectionReason(w) == null ? patchifier.tokens(w) : 1;
  }

  @Override
  public void processElement(StreamRecord<SpectrogramWindow> element) throws Exception {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    while (queue.isFull()) {
      runBatch(now); // bounded buffer: block here rather than grow or drop
    }
    SpectrogramWindow w = element.getValue();
    queue.add(new WaitingWindow(w, now), tokensOf(w), now);
    while (queue.isDue(now)) {
      runBatch(now);
    }
    scheduleDeadline();
    forwardWatermark();
  }

  private void onTimer(long timestamp) throws Exception {
    timerAt = Long.MAX_VALUE;
    long now = Math.max(timestamp, getProcessingTimeService().getCurrentProcessingTime());
    while (queue.isDue(now)) {
      runBatch(now);
    }
    scheduleDeadline();
    forwardWatermark();
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    inputWatermark = Math.max(inputWatermark, mark.getTimestamp());
    forwardWatermark();
  }

  /** Passes on the input's watermark, but only up to just before the earliest waiting window. */
  private void forwardWatermark() throws Exception {
    if (inputWatermark <= emittedWatermark) {
      return; // nothing held back
    }
    long bound = Math.min(inputWatermark, queue.min(w -> eventTimestamp(w.window) - 1, Long.MAX_VALUE));
    if (bound > emittedWatermark) {
      emittedWatermark = bound;
      super.processWatermark(new Watermark(bound));
    }
  }

  /** The timestamp an event leaves with: its window's end (ms). */
  private static long eventTimestamp(SpectrogramWindow w) {
    return w.endMicros / 1000;
  }

  private void scheduleDeadline() {
    long deadline = queue.deadline();
    if (deadline < timerAt) {
      timerAt = deadline;
      getProcessingTimeService().registerTimer(deadline, this::onTimer);
    }
  }

  private void runBatch(long now) {
    List<Waiting<WaitingWindow>> batch = queue.takeBatch();
    List<SpectrogramWindow> windows = new ArrayList<>(batch.size());
    for (Waiting<WaitingWindow> w : batch) {
      windows.add(w.item().window);
      metrics.waitMillis.update(now - w.arrivalMillis());
    }
    WindowClassifier.Outcome outcome = classifier.classify(windows);
    long emitted = getProcessingTimeService().getCurrentProcessingTime();
    IdentityHashMap<SpectrogramWindow, Long> arrival = new IdentityHashMap<>();
    batch.forEach(w -> arrival.put(w.item().window, w.arrivalMillis()));
    Set<PackStats> calls = Collections.newSetFromMap(new IdentityHashMap<>());
    for (WindowClassifier.Scored s : outcome.scored()) {
      long latencyMicros = Math.max(0, emitted - arrival.get(s.window())) * 1000;
      ClassificationEvent event = events.event(s, latencyMicros);
      long timestamp = eventTimestamp(s.window());
      output.collect(new StreamRecord<>(event, timestamp));
      metrics.latencyMicros.update(latencyMicros);
      if (calls.add(s.packStats())) { // one PackStats object per call
        metrics.recordCall(s.packStats());
      }
    }
    for (WindowClassifier.Rejected r : outcome.rejected()) {
      output.collect(REJECTED, new StreamRecord<>(new RejectedWindow(r)));
      metrics.rejected.inc();
    }
    metrics.scored.inc(outcome.scored().size());
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    long now = getProcessingTimeService().getCurrentProcessingTime();
    while (!queue.isEmpty()) {
      runBatch(now); // emitted ahead of the barrier: the checkpoint then holds no waiting window
    }
    forwardWatermark();
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    if (!queue.isEmpty()) {
      // prepareSnapshotPreBarrier ran on this thread just before: nothing can have arrived since
      throw new IllegalStateException(queue.size() + " windows still waiting at checkpoint "
          + context.getCheckpointId());
    }
    waitingState.clear();
  }

  @Override
  public void endInput() throws Exception {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    while (!queue.isEmpty()) {
      runBatch(now); // bounded input ends: nothing waits for a deadline that would never fire
    }
    forwardWatermark();
  }

  @Override
  public void close() throws Exception {
    if (classifier != null) {
      classifier.close();
      classifier = null;
    }
    super.close();
  }

  @VisibleForTesting
  int waitingWindows() {
    return queue.size();
  }

  /** utilisation, windows and rows per call, queue depth, wait, inference time, latency. */
  private final class Metrics {
    final Counter scored = getMetricGroup().counter("windowsScored");
    final Counter rejected = getMetricGroup().counter("windowsRejected");
    final Counter calls = getMetricGroup().counter("inferenceCalls");
    final Histogram windowsPerCall = histogram("windowsPerCall");
    final Histogram rowsPerCall = histogram("rowsPerCall");
    final Histogram utilisationPercent = histogram("utilisationPercent");
    final Histogram inferenceMicros = histogram("inferenceMicros");
    final Histogram waitMillis = histogram("waitMillis");
    final Histogram latencyMicros = histogram("latencyMicros");

    Metrics() {
      getMetricGroup().gauge("queueDepth", () -> queue.size());
      getMetricGroup().gauge("queueTokens", () -> queue.tokens());
    }

    private Histogram histogram(String name) {
      return getMetricGroup().histogram(name, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    void recordCall(PackStats stats) {
      calls.inc();
      windowsPerCall.update(stats.getWindowsInCall());
      rowsPerCall.update(stats.getRowsInCall());
      utilisationPercent.update(Math.round(stats.getUtilisation() * 100));
      inferenceMicros.update(stats.getInferenceMicros());
    }
  }
}
