package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.schemas.LabelScore;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogitsDecoderUnitTest {

  private static final List<String> LABELS = List.of("speech", "siren", "alarm");

  @Test
  void shouldTurnLogitsIntoAProbabilityDistributionWithSoftmax() {
    LogitsDecoder d = new LogitsDecoder(LABELS, ModelConfig.OutputActivation.SOFTMAX);
    float[] s = d.scores(new float[] {1000f, 999f, -5f}); // large: must not overflow
    assertThat(s[0] + s[1] + s[2]).isCloseTo(1f, within(1e-6f));
    assertThat(s[0] / s[1]).isCloseTo((float) Math.E, within(1e-4f));
  }

  @Test
  void shouldScoreEachLabelIndependentlyWithSigmoid() {
    LogitsDecoder d = new LogitsDecoder(LABELS, ModelConfig.OutputActivation.SIGMOID);
    float[] s = d.scores(new float[] {0f, 2f, -2f});
    assertThat(s[0]).isCloseTo(0.5f, within(1e-7f));
    assertThat(s[1] + s[2]).isCloseTo(1f, within(1e-6f));
  }

  @Test
  void shouldListTheBestLabelsFirst() {
    LogitsDecoder d = new LogitsDecoder(LABELS, ModelConfig.OutputActivation.SOFTMAX);
    List<LabelScore> top = d.topK(new float[] {0.1f, 3f, 1f}, 2);
    assertThat(top).extracting(LabelScore::getLabel).containsExactly("siren", "alarm");
    assertThat(top.get(0).getScore()).isGreaterThan(top.get(1).getScore());
    assertThat(d.topK(new float[] {0f, 0f, 0f}, 5)).extracting(LabelScore::getLabel)
        .containsExactly("speech", "siren", "alarm");
  }

  @Test
  void shouldRefuseLogitsOfTheWrongWidth() {
    LogitsDecoder d = new LogitsDecoder(LABELS, ModelConfig.OutputActivation.SOFTMAX);
    assertThatThrownBy(() -> d.scores(new float[2])).hasMessageContaining("2 logits for 3 labels");
  }
}
