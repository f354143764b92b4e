package io.elasticast.app.dashboard;

import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import io.elasticast.schemas.LabelScore;
import io.elasticast.schemas.PackStats;
import java.util.ArrayList;
import java.util.List;

/** The pipeline's output records, made by hand for the dashboard's tests. */
final class Records {

  private Records() {}

  /** A sliding 1 s window of {@code feed} ending at {@code endMicros}; labels and scores alternate. */
  static ClassificationEvent event(String feed, long endMicros, Float levelDbfs, Object... labelsAndScores) {
    List<LabelScore> top = new ArrayList<>();
    for (int i = 0; i < labelsAndScores.length; i += 2) {
      top.add(new LabelScore((String) labelsAndScores[i], ((Number) labelsAndScores[i + 1]).floatValue()));
    }
    return ClassificationEvent.newBuilder()
        .setStreamId(feed)
        .setWindowStartMicros(endMicros - 1_000_000)
        .setWindowEndMicros(endMicros)
        .setFrameShiftMs(10)
        .setFrames(98)
        .setTopK(top)
        .setModelId("test")
        .setModelSha256("0".repeat(64))
        .setProcessingLatencyMicros(1000)
        .setPackStats(new PackStats(4, 1, 400, 500, 0.8f, 2000L))
        .setWindowPolicy("sliding-1s/0.5s@10ms")
        .setLevelDbfs(levelDbfs)
        .build();
  }

  static Incident incident(String feed, String label, IncidentState state, long startMicros, Long endMicros,
      float peak, long eventTimeMicros) {
    return Incident.newBuilder()
        .setIncidentId(feed + "/" + label + "/" + startMicros)
        .setStreamId(feed)
        .setLabel(label)
        .setState(state)
        .setStartMicros(startMicros)
        .setEndMicros(endMicros)
        .setPeakScore(peak)
        .setMeanScore(peak * 0.9f)
        .setWindowCount(3)
        .setEventTimeMicros(eventTimeMicros)
        .build();
  }
}
