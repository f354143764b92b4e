package io.elasticast.app.live;

import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import io.elasticast.schemas.LabelScore;
import io.elasticast.schemas.PackStats;
import java.util.List;

/** Output records as the job writes them, for the views' tests. */
public final class LiveRecords {

  public static final long T0 = 1_764_000_000_000_000L;

  private LiveRecords() {}

  public static ClassificationEvent event(String feed, String policy, long endMicros, Float level,
      String label, float score) {
    return ClassificationEvent.newBuilder().setStreamId(feed)
        .setWindowStartMicros(endMicros - 1_000_000).setWindowEndMicros(endMicros)
        .setFrameShiftMs(10).setFrames(96)
        .setTopK(List.of(new LabelScore(label, score), new LabelScore("noise", 1 - score)))
        .setModelId("m").setModelSha256("0").setProcessingLatencyMicros(1000)
        .setPackStats(new PackStats(4, 1, 96, 100, 0.96f, 1000L)).setWindowPolicy(policy)
        .setLevelDbfs(level).build();
  }

  public static Incident incident(String feed, String label, IncidentState state, long startMicros,
      Long endMicros, long decidedMicros) {
    return Incident.newBuilder().setIncidentId(feed + "/" + label + "/" + startMicros)
        .setStreamId(feed).setLabel(label).setState(state).setStartMicros(startMicros)
        .setEndMicros(endMicros).setPeakScore(0.9f).setMeanScore(0.8f).setWindowCount(7)
        .setEventTimeMicros(decidedMicros).build();
  }

  public static DeadLetter deadLetter(DeadLetterReason reason) {
    return DeadLetter.newBuilder().setSourceTopic("audio.normalised").setSourcePartition(0)
        .setSourceOffset(1).setReason(reason).setMessage("bad").setTimeMicros(T0).build();
  }
}
