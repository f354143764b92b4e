package io.elasticast.inference.incidents;

import java.io.Serializable;

/**
 * An on/off pair as configured at one level (defaults, a label, a label on one feed); a null side
 * is inherited from the level below (see {@link IncidentThresholds#of}).
 *
 * @param on a window at or above this counts towards an onset
 * @param off an open incident stays open while its windows score at least this (hysteresis: off
 *     <= on, so a score between the two neither opens nor closes)
 */
public record LabelThresholds(Float on, Float off) implements Serializable {

  public static LabelThresholds of(float on, float off) {
    return new LabelThresholds(on, off);
  }
}
