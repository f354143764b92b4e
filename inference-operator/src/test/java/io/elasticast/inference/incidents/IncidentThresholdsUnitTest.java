package io.elasticast.inference.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.elasticast.inference.incidents.IncidentThresholds.Resolved;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IncidentThresholdsUnitTest {

  static final IncidentThresholds LAYERED = new IncidentThresholds(LabelThresholds.of(0.6f, 0.4f),
      Map.of("siren", new LabelThresholds(0.7f, null), "alarm", LabelThresholds.of(0.8f, 0.5f)),
      Map.of("feed-7", Map.of("siren", new LabelThresholds(null, 0.3f),
          "speech", new LabelThresholds(0.9f, null))));

  @Test
  void shouldTakeEachSideFromTheMostSpecificLevelThatSetsIt() {
    assertThat(LAYERED.of("feed-1", "speech")).isEqualTo(new Resolved(0.6f, 0.4f));
    assertThat(LAYERED.of("feed-1", "siren")).isEqualTo(new Resolved(0.7f, 0.4f));
    assertThat(LAYERED.of("feed-1", "alarm")).isEqualTo(new Resolved(0.8f, 0.5f));
    assertThat(LAYERED.of("feed-7", "siren")).isEqualTo(new Resolved(0.7f, 0.3f));
    assertThat(LAYERED.of("feed-7", "speech")).isEqualTo(new Resolved(0.9f, 0.4f));
    assertThat(LAYERED.of("feed-7", "alarm")).isEqualTo(new Resolved(0.8f, 0.5f));
    assertThat(LAYERED.configuredLabels()).containsExactlyInAnyOrder("siren", "alarm", "speech");
  }

  @Test
  void shouldPlaceTheModelsThresholdsBetweenTheJobsLabelsAndItsDefaults() {
    IncidentThresholds t = LAYERED.withModel(Map.of("siren", 0.45f, "speech", 0.3f, "engine", 0.9f));
    // the job's own siren on (0.7) wins; each side from the most specific level that sets it, so
    // its off is the model's (0.45 * 0.4/0.6), not the defaults'
    assertThat(t.of("feed-1", "siren").on()).isEqualTo(0.7f);
    assertThat(t.of("feed-1", "siren").off()).isCloseTo(0.3f, org.assertj.core.api.Assertions.within(1e-6f));
    // speech and engine: the model's on, off at the defaults' ratio 0.4/0.6
    assertThat(t.of("feed-1", "speech").on()).isEqualTo(0.3f);
    assertThat(t.of("feed-1", "speech").off()).isCloseTo(0.2f, org.assertj.core.api.Assertions.within(1e-6f));
    assertThat(t.of("feed-1", "engine").off()).isCloseTo(0.6f, org.assertj.core.api.Assertions.within(1e-6f));
    // feed-7's own speech on (0.9) over the model's, with the model's off
    assertThat(t.of("feed-7", "speech").on()).isEqualTo(0.9f);
    assertThat(t.of("feed-7", "speech").off()).isCloseTo(0.2f, org.assertj.core.api.Assertions.within(1e-6f));
    // a label nobody configures keeps the defaults
    assertThat(t.of("feed-1", "noise")).isEqualTo(new Resolved(0.6f, 0.4f));
    // a job's off above the model's on is refused where the two meet
    assertThatThrownBy(() -> new IncidentThresholds(LabelThresholds.of(0.6f, 0.4f),
        Map.of("speech", new LabelThresholds(null, 0.5f)), Map.of()).withModel(Map.of("speech", 0.3f)))
        .hasMessageContaining("label speech");
  }

  @Test
  void shouldRefuseAnOffAboveItsOnWhereverTheTwoMeet() {
    assertThatThrownBy(() -> IncidentThresholds.uniform(0.4f, 0.6f)).hasMessageContaining("defaults");
    // the label's off alone is fine; with the default on it is not
    assertThatThrownBy(() -> new IncidentThresholds(LabelThresholds.of(0.6f, 0.4f),
        Map.of("siren", new LabelThresholds(null, 0.7f)), Map.of()))
        .hasMessageContaining("label siren").hasMessageContaining("off 0.7");
    assertThatThrownBy(() -> new IncidentThresholds(LabelThresholds.of(0.6f, 0.4f), Map.of(),
        Map.of("feed-7", Map.of("siren", new LabelThresholds(0.3f, null)))))
        .hasMessageContaining("label siren on feed feed-7");
  }

  @Test
  void shouldRefuseThresholdsOutsideZeroToOne() {
    for (LabelThresholds bad : List.of(LabelThresholds.of(1.2f, 0.4f), LabelThresholds.of(0.6f, 0f),
        LabelThresholds.of(0.6f, -0.1f))) {
      assertThatThrownBy(() -> new IncidentThresholds(bad, Map.of(), Map.of()))
          .hasMessageContaining("(0, 1]");
    }
  }

  @Test
  void shouldNameConfiguredLabelsTheModelLacks() {
    IncidentSettings s = IncidentSettings.defaults().withThresholds(LAYERED);
    assertThat(s.unknownLabels(List.of("speech", "siren", "alarm"))).isEmpty();
    assertThat(s.unknownLabels(List.of("speech", "siren"))).containsExactly("alarm");
  }
}
