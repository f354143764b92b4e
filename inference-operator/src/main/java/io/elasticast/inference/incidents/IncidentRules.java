package io.elasticast.inference.incidents;

import java.io.Serializable;

/**
 * The timing rules every (feed, label) tracker follows; the score thresholds are per label and
 * feed, in {@link IncidentThresholds}. Times are event time.
 *
 * @param onsetK windows at or above the on-threshold ...
 * @param onsetN ... among the feed's last this many windows open an incident
 * @param holdMillis an incident closes once no window scored at least the off-threshold for this
 *     long (measured from the end of its last such window); a feed without any window for this
 *     long closes all its incidents
 * @param minDurationMillis an incident is reported (OPEN) only once it spans this long, from its
 *     first window's start to its last active window's end; one that ends sooner is never reported
 * @param updatePeakRise an open incident gets an UPDATE when its peak has risen by at least this
 *     since its last OPEN or UPDATE record (scores are at most 1, so 1 turns updates off)
 * @param minLevelDbfs a window quieter than this (its RMS level, {@code
 *     ClassificationEvent.levelDbfs}) counts as score 0 for every label: no sound there can start
 *     or keep an incident, whatever the model says about silence (Frigate's {@code min_volume}
 *     does the same); negative infinity counts every window
 */
public record IncidentRules(int onsetK, int onsetN, long holdMillis, long minDurationMillis,
    float updatePeakRise, float minLevelDbfs) implements Serializable {

  /** Windows at or below this level count as quiet by default: a room's noise floor is above it. */
  public static final float DEFAULT_MIN_LEVEL_DBFS = -60f;

  /** The ring of recent windows lives in keyed state: keep it small. */
  public static final int MAX_ONSET_WINDOWS = 32;

  public IncidentRules {
    if (onsetK < 1 || onsetK > onsetN || onsetN > MAX_ONSET_WINDOWS) {
      throw new IllegalArgumentException("onset needs 1 <= k <= n <= " + MAX_ONSET_WINDOWS
          + ", got k=" + onsetK + " n=" + onsetN);
    }
    if (holdMillis < 1) {
      throw new IllegalArgumentException("hold must be >= 1 ms, got " + holdMillis);
    }
    if (minDurationMillis < 0) {
      throw new IllegalArgumentException("min duration must be >= 0 ms, got " + minDurationMillis);
    }
    if (!(updatePeakRise > 0)) {
      throw new IllegalArgumentException("update peak rise must be > 0, got " + updatePeakRise);
    }
    if (Float.isNaN(minLevelDbfs) || minLevelDbfs > 0) {
      throw new IllegalArgumentException("min level must be <= 0 dBFS, got " + minLevelDbfs);
    }
  }

  /** Every window counts, however quiet. */
  public IncidentRules(int onsetK, int onsetN, long holdMillis, long minDurationMillis,
      float updatePeakRise) {
    this(onsetK, onsetN, holdMillis, minDurationMillis, updatePeakRise, Float.NEGATIVE_INFINITY);
  }

  public static IncidentRules defaults() {
    return new IncidentRules(2, 3, 2000, 2000, 0.1f, DEFAULT_MIN_LEVEL_DBFS);
  }

  /** Whether a window of this level (null: not measured) is too quiet to count. */
  boolean quiet(Float levelDbfs) {
    return levelDbfs != null && levelDbfs < minLevelDbfs;
  }

  long holdMicros() {
    return holdMillis * 1000;
  }

  long minDurationMicros() {
    return minDurationMillis * 1000;
  }
}
