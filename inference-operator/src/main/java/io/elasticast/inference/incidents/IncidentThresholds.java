package io.elasticast.inference.incidents;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which on/off thresholds apply to a label on a feed. Each side (on, off) is taken from the most
 * specific level that sets it: the feed's override for the label, then the label's own, then the
 * defaults. Every combination the configuration can produce is checked once, here: thresholds in
 * (0, 1] and off <= on.
 */
public final class IncidentThresholds implements Serializable {

  /** Resolved thresholds of one (feed, label). */
  public record Resolved(float on, float off) {}

  private final LabelThresholds defaults;
  private final Map<String, LabelThresholds> perLabel;
  private final Map<String, Map<String, LabelThresholds>> perFeed;

  /**
   * @param defaults both sides set
   * @param perLabel by label
   * @param perFeed by stream id, then label
   */
  public IncidentThresholds(LabelThresholds defaults, Map<String, LabelThresholds> perLabel,
      Map<String, Map<String, LabelThresholds>> perFeed) {
    if (defaults.on() == null || defaults.off() == null) {
      throw new IllegalArgumentException("default on- and off-thresholds must both be set");
    }
    this.defaults = defaults;
    this.perLabel = new LinkedHashMap<>(perLabel);
    this.perFeed = new LinkedHashMap<>();
    perFeed.forEach((feed, labels) -> this.perFeed.put(feed, new LinkedHashMap<>(labels)));
    check("defaults", of(null, null));
    this.perLabel.keySet().forEach(label -> check("label " + label, of(null, label)));
    this.perFeed.forEach((feed, labels) -> labels.keySet()
        .forEach(label -> check("label " + label + " on feed " + feed, of(feed, label))));
  }

  public static IncidentThresholds uniform(float on, float off) {
    return new IncidentThresholds(LabelThresholds.of(on, off), Map.of(), Map.of());
  }

  /**
   * The thresholds of {@code label} on {@code feed}. This is the one place thresholds are chosen:
   * per-label thresholds that ship with a model (model.json) would be one more level here, between
   * the job's per-label values and its defaults.
   */
  public Resolved of(String feed, String label) {
    LabelThresholds feedLevel = feed == null ? null : perFeed.getOrDefault(feed, Map.of()).get(label);
    LabelThresholds labelLevel = label == null ? null : perLabel.get(label);
    return new Resolved(
        first(feedLevel == null ? null : feedLevel.on(), labelLevel == null ? null : labelLevel.on(), defaults.on()),
        first(feedLevel == null ? null : feedLevel.off(), labelLevel == null ? null : labelLevel.off(), defaults.off()));
  }

  /** Every label the configuration names (to check them against the model's labels). */
  public Set<String> configuredLabels() {
    Set<String> labels = new LinkedHashSet<>(perLabel.keySet());
    perFeed.values().forEach(m -> labels.addAll(m.keySet()));
    return labels;
  }

  private static float first(Float a, Float b, float fallback) {
    return a != null ? a : b != null ? b : fallback;
  }

  private static void check(String where, Resolved t) {
    if (!(t.on() > 0 && t.on() <= 1 && t.off() > 0 && t.off() <= 1)) {
      throw new IllegalArgumentException("incident thresholds of " + where
          + " must be in (0, 1]: on " + t.on() + ", off " + t.off());
    }
    if (t.off() > t.on()) {
      throw new IllegalArgumentException("incident thresholds of " + where + ": off " + t.off()
          + " is above on " + t.on() + " (an incident must be able to stay open below its onset)");
    }
  }
}
