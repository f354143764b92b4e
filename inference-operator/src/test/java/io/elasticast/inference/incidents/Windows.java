package io.elasticast.inference.incidents;

import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.LabelScore;
import io.elasticast.schemas.PackStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Classification events as the job's default sliding policy cuts them: 1 s windows every 0.5 s. */
final class Windows {

  static final String SLIDING = IncidentSettings.DEFAULT_WINDOW_POLICY;
  static final String SEGMENT = "segment-0.5s-10s@10ms";
  static final long T0_MICROS = 1_764_158_400_000_000L;
  static final long HOP_MICROS = 500_000;
  static final long LENGTH_MICROS = 1_000_000;

  private Windows() {}

  static long start(int i) {
    return T0_MICROS + i * HOP_MICROS;
  }

  static long end(int i) {
    return start(i) + LENGTH_MICROS;
  }

  /** Window {@code i} of {@code feed}'s sliding stream with these top-k scores. */
  static ClassificationEvent sliding(String feed, int i, Map<String, Float> topK) {
    return event(feed, SLIDING, start(i), end(i), topK);
  }

  /** Window {@code i} with one label in its top k. */
  static ClassificationEvent sliding(String feed, int i, String label, float score) {
    return sliding(feed, i, Map.of(label, score, "noise", Math.min(score, 1 - score) / 2));
  }

  static ClassificationEvent event(String feed, String policy, long start, long end,
      Map<String, Float> topK) {
    List<LabelScore> scores = new ArrayList<>();
    topK.forEach((label, score) -> scores.add(new LabelScore(label, score)));
    scores.sort(Comparator.comparing(LabelScore::getScore).reversed());
    return ClassificationEvent.newBuilder()
        .setStreamId(feed)
        .setWindowStartMicros(start)
        .setWindowEndMicros(end)
        .setFrameShiftMs(10)
        .setFrames((int) ((end - start) / 10_000 / 16 * 16))
        .setTopK(scores)
        .setModelId("test-model")
        .setModelSha256("00".repeat(32))
        .setProcessingLatencyMicros(0)
        .setPackStats(new PackStats(1, 1, 48, 48, 1f, 0L))
        .setWindowPolicy(policy)
        .build();
  }

  static long millis(ClassificationEvent e) {
    return e.getWindowEndMicros() / 1000;
  }
}
