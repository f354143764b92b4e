package io.elasticast.inference.incidents;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything the incident operator is configured with, as plain data that travels with it.
 *
 * @param rules onset, hold, minimum duration, updates
 * @param thresholds on/off per label and feed
 * @param windowPolicy name of the window policy whose windows drive incidents (the first sliding
 *     policy, e.g. {@code sliding-1s/0.5s@10ms}); null: no feed has incidents unless it has its own
 * @param windowPolicyPerFeed the same for feeds with their own window policies (null value: that
 *     feed has no sliding policy, so no incidents)
 * @param alertLabels labels whose OPEN and CLOSED records also go to the alerts output
 * @param modelPath model directory or json, to check the configured labels against the model's
 *     when the operator opens (null: unchecked, for tests)
 */
public record IncidentSettings(IncidentRules rules, IncidentThresholds thresholds,
    String windowPolicy, Map<String, String> windowPolicyPerFeed, Set<String> alertLabels,
    String modelPath) implements Serializable {

  /** The featurizer's default first sliding policy, by name. */
  public static final String DEFAULT_WINDOW_POLICY = "sliding-1s/0.5s@10ms";

  public IncidentSettings {
    // HashMap allows the null values a per-feed entry without a sliding policy needs
    windowPolicyPerFeed = new java.util.HashMap<>(windowPolicyPerFeed);
    alertLabels = Set.copyOf(alertLabels);
  }

  public static IncidentSettings defaults() {
    return new IncidentSettings(IncidentRules.defaults(),
        IncidentThresholds.uniform(IncidentThresholds.DEFAULT_ON, IncidentThresholds.DEFAULT_OFF),
        DEFAULT_WINDOW_POLICY, Map.of(), Set.of("siren", "alarm"), null);
  }

  /** The policy whose windows drive {@code feed}'s incidents; null: none. */
  public String drivingPolicy(String feed) {
    return windowPolicyPerFeed.containsKey(feed) ? windowPolicyPerFeed.get(feed) : windowPolicy;
  }

  public IncidentSettings withRules(IncidentRules r) {
    return new IncidentSettings(r, thresholds, windowPolicy, windowPolicyPerFeed, alertLabels, modelPath);
  }

  public IncidentSettings withThresholds(IncidentThresholds t) {
    return new IncidentSettings(rules, t, windowPolicy, windowPolicyPerFeed, alertLabels, modelPath);
  }

  /** Labels the configuration names that the model does not have, sorted. */
  public Set<String> unknownLabels(List<String> modelLabels) {
    Set<String> unknown = new TreeSet<>(alertLabels);
    unknown.addAll(thresholds.configuredLabels());
    unknown.removeAll(modelLabels);
    return unknown;
  }
}
