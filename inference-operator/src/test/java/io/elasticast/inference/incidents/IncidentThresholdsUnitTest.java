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
