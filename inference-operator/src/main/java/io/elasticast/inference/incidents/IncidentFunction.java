package io.elasticast.inference.incidents;

import io.elasticast.inference.ModelConfig;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The Flink face of {@link FeedIncidents}, keyed by stream id after inference: each feed's
 * trackers in keyed map state (label → {@link TrackState}, a POJO), the end of its last window in
 * value state, and one event-time timer per feed at that end plus the hold time, which closes the
 * feed's incidents when no window came in between (a silent feed). Records are emitted only in
 * {@code processElement} and {@code onTimer}, so with an exactly-once sink a restore from a
 * checkpoint repeats none and loses none.
 */
public class IncidentFunction extends KeyedProcessFunction<String, ClassificationEvent, Incident> {

  public static final TypeInformation<Incident> INCIDENT_TYPE = new AvroTypeInfo<>(Incident.class);
  /** OPEN and CLOSED records of the alert labels (also on the main output). */
  public static final OutputTag<Incident> ALERTS = new OutputTag<>("incident-alerts", INCIDENT_TYPE);

  static final String TRACKS_STATE = "incident-tracks";
  static final String LAST_END_STATE = "incident-last-window-end-micros";
  static final String TIMER_STATE = "incident-silence-timer";

  private final IncidentSettings settings;

  private transient MapState<String, TrackState> tracks;
  private transient ValueState<Long> lastWindowEnd;
  private transient ValueState<Long> silenceTimer;
  private transient FeedIncidents feeds;
  private transient FeedIncidents.Store store;
  private transient Set<String> alertLabels;
  private transient Counter opened;
  private transient Counter closed;
  private transient Counter outOfOrder;

  public IncidentFunction(IncidentSettings settings) {
    this.settings = settings;
  }

  @Override
  public void open(OpenContext context) throws Exception {
    IncidentSettings effective = settings;
    if (settings.modelPath() != null) {
      ModelConfig model = ModelConfig.load(Path.of(settings.modelPath()));
      List<String> labels = model.labels();
      Set<String> unknown = settings.unknownLabels(labels);
      if (!unknown.isEmpty()) {
        throw new IllegalArgumentException("incident/alert labels " + unknown
            + " are not among the model's labels " + labels);
      }
      // the model's own per-label thresholds sit under the job's (IncidentThresholds.withModel)
      effective = settings.withThresholds(settings.thresholds().withModel(model.thresholds()));
    }
    tracks = getRuntimeContext().getMapState(new MapStateDescriptor<>(TRACKS_STATE, Types.STRING,
        TypeInformation.of(TrackState.class)));
    lastWindowEnd = getRuntimeContext().getState(new ValueStateDescriptor<>(LAST_END_STATE, Types.LONG));
    silenceTimer = getRuntimeContext().getState(new ValueStateDescriptor<>(TIMER_STATE, Types.LONG));
    feeds = new FeedIncidents(effective);
    store = new KeyedStore();
    alertLabels = settings.alertLabels();
    var metrics = getRuntimeContext().getMetricGroup();
    opened = metrics.counter("incidentsOpened");
    closed = metrics.counter("incidentsClosed");
    outOfOrder = metrics.counter("incidentWindowsOutOfOrder");
  }

  @Override
  public void processElement(ClassificationEvent event, Context ctx, Collector<Incident> out)
      throws Exception {
    FeedIncidents.Outcome outcome = feeds.onWindow(event, store, r -> emit(r, ctx, out));
    switch (outcome) {
      case NOT_DRIVING -> { }
      case OUT_OF_ORDER -> outOfOrder.inc();
      case TRACKING, IDLE -> moveSilenceTimer(ctx);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Incident> out) throws Exception {
    Long due = silenceTimer.value();
    if (due == null || due != timestamp) {
      return; // a timer this feed has moved on from
    }
    silenceTimer.clear();
    feeds.onSilence(ctx.getCurrentKey(), timestamp * 1000, store, r -> emit(r, ctx, out));
  }

  /** One timer per feed, at the hold time after its last window (none while nothing is tracked). */
  private void moveSilenceTimer(Context ctx) throws Exception {
    Long deadline = feeds.silenceDeadlineMicros(store);
    Long wanted = deadline == null ? null : Math.floorDiv(deadline + 999, 1000); // never early
    Long current = silenceTimer.value();
    if (current != null && !current.equals(wanted)) {
      ctx.timerService().deleteEventTimeTimer(current);
    }
    if (wanted == null) {
      silenceTimer.clear();
    } else if (!wanted.equals(current)) {
      ctx.timerService().registerEventTimeTimer(wanted);
      silenceTimer.update(wanted);
    }
  }

  private void emit(Incident r, Context ctx, Collector<Incident> out) {
    out.collect(r);
    if (r.getState() == IncidentState.OPEN) {
      opened.inc();
    } else if (r.getState() == IncidentState.CLOSED) {
      closed.inc();
    }
    if (r.getState() != IncidentState.UPDATE && alertLabels.contains(r.getLabel())) {
      ctx.output(ALERTS, r);
    }
  }

  /** The feed's keyed state (the current key's) as the pure logic's store. */
  private final class KeyedStore implements FeedIncidents.Store {

    @Override
    public Long lastWindowEndMicros() {
      return read(() -> lastWindowEnd.value());
    }

    @Override
    public void lastWindowEndMicros(Long endMicros) {
      write(() -> {
        if (endMicros == null) {
          lastWindowEnd.clear();
        } else {
          lastWindowEnd.update(endMicros);
        }
      });
    }

    @Override
    public TrackState get(String label) {
      return read(() -> tracks.get(label));
    }

    @Override
    public void put(String label, TrackState state) {
      write(() -> tracks.put(label, state));
    }

    @Override
    public void remove(String label) {
      write(() -> tracks.remove(label));
    }

    @Override
    public List<String> labels() {
      return read(() -> {
        List<String> labels = new ArrayList<>();
        tracks.keys().forEach(labels::add);
        return labels;
      });
    }
  }

  private interface StateRead<T> {
    T get() throws Exception;
  }

  private interface StateWrite {
    void run() throws Exception;
  }

  // Flink's state calls declare Exception; a failing state backend fails the task either way
  private static <T> T read(StateRead<T> r) {
    try {
      return r.get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read incident state", e);
    }
  }

  private static void write(StateWrite w) {
    try {
      w.run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot write incident state", e);
    }
  }
}
