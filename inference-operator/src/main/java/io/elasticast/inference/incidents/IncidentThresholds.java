package io.elasticast.inference.incidents;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which on/off thresholds apply to a label on a feed. Each side (on, off) is taken from the most
 * specific level that sets it: the feed's override for the label, then the label's own, then the
 * model's threshold for the label (model.json; its off side keeps the defaults' off/on ratio),
 * then the defaults. Every combination the configuration can produce is checked once, here:
 * thresholds in (0, 1] and off <= on.
 */
public final class IncidentThresholds implements Serializable {

  /**
   * The default on-threshold: a label's window at or above it counts towards an incident's onset
   * (the job's {@code incidents.on-threshold}, elasticast-job.yaml), and, where model.json has no
   * threshold for the label, the score at which a ClassificationEvent lists it as detected.
   */
  public static final float DEFAULT_ON = 0.6f;
  /** The default off-threshold (hysteresis: an open incident stays open at or above it). */
  public static final float DEFAULT_OFF = 0.4f;

  /** Resolved thresholds of one (feed, label). */
  public record Resolved(float on, float off) {}

  private final LabelThresholds defaults;
  private final Map<String, LabelThresholds> perLabel;
  private final Map<String, Map<String, LabelThresholds>> perFeed;
  private final Map<String, LabelThresholds> model;

  /**
   * @param defaults both sides set
   * @param perLabel by label
   * @param perFeed by stream id, then label
   */
  public IncidentThresholds(LabelThresholds defaults, Map<String, LabelThresholds> perLabel,
      Map<String, Map<String, LabelThresholds>> perFeed) {
    this(defaults, perLabel, perFeed, Map.of());
  }

  private IncidentThresholds(LabelThresholds defaults, Map<String, LabelThresholds> perLabel,
      Map<String, Map<String, LabelThresholds>> perFeed, Map<String, LabelThresholds> model) {
    if (defaults.on() == null || defaults.off() == null) {
      throw new IllegalArgumentException("default on- and off-thresholds must both be set");
    }
    this.defaults = defaults;
    this.perLabel = new LinkedHashMap<>(perLabel);
    this.perFeed = new LinkedHashMap<>();
    perFeed.forEach((feed, labels) -> this.perFeed.put(feed, new LinkedHashMap<>(labels)));
    this.model = new LinkedHashMap<>(model);
    check("defaults", of(null, null));
    this.model.keySet().forEach(label -> check("label " + label + " (model.json)", of(null, label)));
    this.perLabel.keySet().forEach(label -> check("label " + label, of(null, label)));
    this.perFeed.forEach((feed, labels) -> labels.keySet()
        .forEach(label -> check("label " + label + " on feed " + feed, of(feed, label))));
  }

  /**
   * These thresholds over a model's per-label ones ({@code ModelConfig.thresholds}): a label the
   * job does not configure opens at the model's threshold and closes below it scaled by the
   * defaults' off/on ratio.
   */
  public IncidentThresholds withModel(Map<String, Float> modelOn) {
    Map<String, LabelThresholds> m = new LinkedHashMap<>();
    float ratio = defaults.off() / defaults.on();
    modelOn.forEach((label, on) -> m.put(label, LabelThresholds.of(on, on * ratio)));
    return new IncidentThresholds(defaults, perLabel, perFeed, m);
  }

  public static IncidentThresholds uniform(float on, float off) {
    return new IncidentThresholds(LabelThresholds.of(on, off), Map.of(), Map.of());
  }

  /** The thresholds of {@code label} on {@code feed}: the one place thresholds are chosen. */
  public Resolved of(String feed, String label) {
    LabelThresholds feedLevel = feed == null ? null : perFeed.getOrDefault(feed, Map.of()).get(label);
    LabelThresholds labelLevel = label == null ? null : perLabel.get(label);
    LabelThresholds modelLevel = label == null ? null : model.get(label);
    return new Resolved(
        first(defaults.on(), feedLevel == null ? null : feedLevel.on(),
            labelLevel == null ? null : labelLevel.on(), modelLevel == null ? null : modelLevel.on()),
        first(defaults.off(), feedLevel == null ? null : feedLevel.off(),
            labelLevel == null ? null : labelLevel.off(), modelLevel == null ? null : modelLevel.off()));
  }

  /** Every label the configuration names (to check them against the model's labels). */
  public Set<String> configuredLabels() {
    Set<String> labels = new LinkedHashSet<>(perLabel.keySet());
    perFeed.values().forEach(m -> labels.addAll(m.keySet()));
    return labels;
  }

  /** The first of {@code levels} that is set, else {@code fallback}. */
  private static float first(float fallback, Float... levels) {
    for (Float l : levels) {
      if (l != null) {
        return l;
      }
    }
    return fallback;
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
