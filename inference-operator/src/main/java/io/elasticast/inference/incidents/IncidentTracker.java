package io.elasticast.inference.incidents;

import io.elasticast.inference.incidents.IncidentThresholds.Resolved;
import io.elasticast.inference.incidents.TrackState.Phase;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;

/**
 * The state machine of one (feed, label), fed that feed's windows in event-time order (pure logic:
 * the state lives in a {@link TrackState} the caller keeps). Each call decides at most one record.
 *
 * <ul>
 *   <li><b>Onset</b>: when {@code k} of the feed's last {@code n} windows score at or above the
 *       on-threshold, an incident starts at the start of the earliest of those windows; the windows
 *       from there on are its first windows.
 *   <li><b>Active</b>: while open, a window at or above the off-threshold keeps it going (between
 *       off and on included: hysteresis).
 *   <li><b>Offset</b>: it closes on the first window that ends at least the hold time after the
 *       end of its last active window with none active in between; its end is that active
 *       window's end. Quiet windows shorter than the hold are a gap inside the incident: they
 *       count in its windows and mean once it resumes, and are dropped when it closes.
 *   <li><b>Minimum duration</b>: an incident is reported (OPEN) only once it spans the minimum
 *       duration (first window's start to last active window's end); one that closes sooner is
 *       never reported at all, so every OPEN has its CLOSED.
 *   <li><b>Updates</b>: an open incident whose peak rose by the configured step since its last
 *       record gets an UPDATE (a handful per incident at most).
 *   <li><b>Silence</b>: {@link #onSilence} closes an open incident when its feed sent no window for
 *       the hold time (the operator's event-time timer decides when).
 * </ul>
 */
public final class IncidentTracker {

  private final IncidentRules rules;
  private final String streamId;
  private final String label;
  private final Resolved thresholds;
  private final TrackState s;

  public IncidentTracker(IncidentRules rules, String streamId, String label, Resolved thresholds,
      TrackState state) {
    this.rules = rules;
    this.streamId = streamId;
    this.label = label;
    this.thresholds = thresholds;
    this.s = state;
    if (s.recentScores == null || s.recentScores.length != rules.onsetN()) {
      // new, or restored under a different n: the old ring cannot be read as the new one
      clearRecent();
    }
  }

  /** One window of the feed; the record it decides (OPEN, UPDATE, CLOSED) or null. */
  public Incident onWindow(long startMicros, long endMicros, float score) {
    remember(startMicros, score);
    return switch (s.phase) {
      case IDLE -> onsetIfMet(endMicros);
      case PENDING, OPEN -> score >= thresholds.off() ? active(endMicros, score) : quiet(endMicros, score);
    };
  }

  /** The feed went silent at {@code atMicros}: an open incident closes; a pending one is dropped. */
  public Incident onSilence(long atMicros) {
    Incident closed = s.phase == Phase.OPEN ? record(IncidentState.CLOSED, atMicros) : null;
    reset();
    return closed;
  }

  /** Nothing worth keeping: no incident, and no recent window that could count towards an onset. */
  public boolean dormant() {
    return s.phase == Phase.IDLE && aboveOn() == 0;
  }

  /** The state, changed in place by the calls above (a caller with copy-on-read state puts it back). */
  public TrackState state() {
    return s;
  }

  private Incident onsetIfMet(long endMicros) {
    if (aboveOn() < rules.onsetK()) {
      return null;
    }
    // the incident starts with the earliest qualifying window; all windows after it belong to it
    int n = rules.onsetN();
    int oldest = (s.recentNext - s.recentCount + n) % n;
    boolean started = false;
    for (int i = 0; i < s.recentCount; i++) {
      int j = (oldest + i) % n;
      if (!started && s.recentScores[j] >= thresholds.on()) {
        started = true;
        s.startMicros = s.recentStartMicros[j];
        s.peakScore = 0;
        s.scoreSum = 0;
        s.windowCount = 0;
      }
      if (started) {
        s.peakScore = Math.max(s.peakScore, s.recentScores[j]);
        s.scoreSum += s.recentScores[j];
        s.windowCount++;
      }
    }
    s.lastActiveEndMicros = endMicros;
    s.quietScoreSum = 0;
    s.quietWindows = 0;
    s.phase = Phase.PENDING;
    return openIfLongEnough(endMicros);
  }

  private Incident active(long endMicros, float score) {
    // a gap shorter than the hold is part of the incident
    s.scoreSum += s.quietScoreSum + score;
    s.windowCount += s.quietWindows + 1;
    s.quietScoreSum = 0;
    s.quietWindows = 0;
    s.peakScore = Math.max(s.peakScore, score);
    s.lastActiveEndMicros = endMicros;
    if (s.phase == Phase.PENDING) {
      return openIfLongEnough(endMicros);
    }
    if (s.peakScore >= s.reportedPeak + rules.updatePeakRise()) {
      s.reportedPeak = s.peakScore;
      return record(IncidentState.UPDATE, endMicros);
    }
    return null;
  }

  private Incident quiet(long endMicros, float score) {
    if (endMicros - s.lastActiveEndMicros < rules.holdMicros()) {
      s.quietScoreSum += score;
      s.quietWindows++;
      return null;
    }
    Incident closed = s.phase == Phase.OPEN ? record(IncidentState.CLOSED, endMicros) : null;
    reset();
    return closed;
  }

  private Incident openIfLongEnough(long endMicros) {
    if (s.lastActiveEndMicros - s.startMicros < rules.minDurationMicros()) {
      return null;
    }
    s.phase = Phase.OPEN;
    s.reportedPeak = s.peakScore;
    return record(IncidentState.OPEN, endMicros);
  }

  private Incident record(IncidentState state, long eventTimeMicros) {
    return Incident.newBuilder()
        .setIncidentId(incidentId(streamId, label, s.startMicros))
        .setStreamId(streamId)
        .setLabel(label)
        .setState(state)
        .setStartMicros(s.startMicros)
        .setEndMicros(state == IncidentState.CLOSED ? s.lastActiveEndMicros : null)
        .setPeakScore(s.peakScore)
        .setMeanScore((float) (s.scoreSum / s.windowCount))
        .setWindowCount(s.windowCount)
        .setEventTimeMicros(eventTimeMicros)
        .build();
  }

  /** The same for every record of an incident, and for the same windows replayed. */
  public static String incidentId(String streamId, String label, long startMicros) {
    return streamId + "/" + label + "/" + startMicros;
  }

  private void reset() {
    s.phase = Phase.IDLE;
    s.startMicros = 0;
    s.lastActiveEndMicros = 0;
    s.peakScore = 0;
    s.scoreSum = 0;
    s.windowCount = 0;
    s.quietScoreSum = 0;
    s.quietWindows = 0;
    s.reportedPeak = 0;
    // windows of an ended incident must not seed the next one
    clearRecent();
  }

  private void remember(long startMicros, float score) {
    int n = rules.onsetN();
    s.recentScores[s.recentNext] = score;
    s.recentStartMicros[s.recentNext] = startMicros;
    s.recentNext = (s.recentNext + 1) % n;
    s.recentCount = Math.min(n, s.recentCount + 1);
  }

  private int aboveOn() {
    int count = 0;
    int n = rules.onsetN();
    for (int i = 0; i < s.recentCount; i++) {
      if (s.recentScores[(s.recentNext - 1 - i + n) % n] >= thresholds.on()) {
        count++;
      }
    }
    return count;
  }

  private void clearRecent() {
    s.recentScores = new float[rules.onsetN()];
    s.recentStartMicros = new long[rules.onsetN()];
    s.recentCount = 0;
    s.recentNext = 0;
  }
}
