package io.elasticast.inference.incidents;

/**
 * What one (feed, label) tracker remembers between windows: a Flink POJO (public fields, no-arg
 * constructor, primitive arrays and an enum), so keyed state is serialised without Kryo.
 */
public class TrackState {

  public enum Phase {
    /** No incident: only the ring of recent windows is kept, for the next onset. */
    IDLE,
    /** Onset met but shorter than the minimum duration: not reported (yet). */
    PENDING,
    /** Reported with OPEN; ends with CLOSED. */
    OPEN
  }

  public Phase phase = Phase.IDLE;

  /** The feed's last n windows (ring, oldest at {@code recentNext} once full): score and start. */
  public float[] recentScores;
  public long[] recentStartMicros;
  public int recentCount;
  public int recentNext;

  /** The incident being tracked (PENDING or OPEN). */
  public long startMicros;
  /** End of its last window at or above the off-threshold. */
  public long lastActiveEndMicros;
  public float peakScore;
  public double scoreSum;
  public int windowCount;
  /** Windows below the off-threshold since the last active one: part of the incident if it resumes. */
  public double quietScoreSum;
  public int quietWindows;
  /** Peak in the last OPEN or UPDATE record. */
  public float reportedPeak;

  public TrackState() {}
}
