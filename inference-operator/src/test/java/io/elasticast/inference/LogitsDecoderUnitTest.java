package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.inference.incidents.IncidentThresholds;
import io.elasticast.schemas.LabelScore;
import java.util.List;
import java.util.Map;
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

  /** sigmoid^-1: the logit whose sigmoid score is {@code p}. */
  private static float logit(double p) {
    return (float) Math.log(p / (1 - p));
  }

  @Test
  void shouldDetectEveryLabelAtOrAboveItsThresholdHighestFirst() {
    // speech at exactly its threshold (sigmoid(0) = 0.5), siren above the default, alarm just below
    LogitsDecoder d = new LogitsDecoder(List.of("speech", "siren", "alarm", "engine"),
        ModelConfig.OutputActivation.SIGMOID, Map.of("speech", 0.5f, "alarm", 0.9f));
    assertThat(d.threshold("speech")).isEqualTo(0.5f);
    assertThat(d.threshold("siren")).isEqualTo(IncidentThresholds.DEFAULT_ON);
    List<LabelScore> detected = d.detected(new float[] {0f, logit(0.95), logit(0.89), logit(0.59)});
    assertThat(detected).extracting(LabelScore::getLabel).containsExactly("siren", "speech");
    assertThat(detected.get(1).getScore()).isEqualTo(0.5f);
    assertThat(detected.get(0).getScore()).isCloseTo(0.95f, within(1e-6f));

    // the order is by score, not by label: several detected labels, more than a top-1
    List<LabelScore> many = d.detected(new float[] {logit(0.7), logit(0.8), logit(0.99), logit(0.65)});
    assertThat(many).extracting(LabelScore::getLabel)
        .containsExactly("alarm", "siren", "speech", "engine");
  }

  @Test
  void shouldDetectNothingWhenEveryScoreIsBelowItsThreshold() {
    LogitsDecoder d = new LogitsDecoder(LABELS, ModelConfig.OutputActivation.SIGMOID,
        Map.of("speech", 0.50001f));
    assertThat(d.detected(new float[] {0f, logit(0.59), -3f})).isEmpty();
    // softmax over three labels: none reaches the default 0.6 when the scores are close
    LogitsDecoder softmax = new LogitsDecoder(LABELS, ModelConfig.OutputActivation.SOFTMAX);
    assertThat(softmax.detected(new float[] {0.1f, 0.2f, 0f})).isEmpty();
    assertThat(softmax.detected(new float[] {0f, 5f, 0f})).extracting(LabelScore::getLabel)
        .containsExactly("siren");
  }

  @Test
  void shouldTakeTheModelsThresholdsAndTheDefaultForTheOthers() {
    ModelConfig tiny = TestModels.tiny();
    Map<String, Float> thresholds = new java.util.HashMap<>();
    thresholds.put(tiny.labels().get(1), 0.3f);
    ModelConfig withThresholds = new ModelConfig(tiny.directory(), tiny.labels(), tiny.patchSize(),
        tiny.numMelBins(), tiny.frameShiftsMs(), tiny.maxTimePositions(), tiny.mean(), tiny.std(),
        tiny.outputActivation(), tiny.onnxFile(), tiny.sha256(), tiny.modelId(),
        tiny.dataRecipeVersion(), tiny.inputs(), tiny.outputs(), tiny.dModel(), tiny.depth(),
        tiny.heads(), thresholds);
    LogitsDecoder d = LogitsDecoder.forModel(withThresholds);
    assertThat(d.threshold(tiny.labels().get(1))).isEqualTo(0.3f);
    assertThat(d.threshold(tiny.labels().get(0))).isEqualTo(IncidentThresholds.DEFAULT_ON);
  }

  @Test
  void shouldPutTheDetectedLabelsInTheEventBesideTheTopK() {
    ModelConfig tiny = TestModels.tiny();
    ClassificationEvents events = new ClassificationEvents(tiny, 1);
    float[] logits = new float[tiny.numClasses()];
    logits[2] = 8f; // softmax: label 2 alone above the default threshold
    var scored = new WindowClassifier.Scored(Windows.random("a", 0, 16, 10, 1), logits,
        new io.elasticast.schemas.PackStats(1, 1, 8, 8, 1f, 5L));
    var event = events.event(scored, 7);
    assertThat(event.getDetected()).extracting(LabelScore::getLabel)
        .containsExactly(tiny.labels().get(2));
    assertThat(event.getDetected()).isEqualTo(event.getTopK());
    assertThat(events.event(new WindowClassifier.Scored(scored.window(),
        new float[tiny.numClasses()], scored.packStats()), 7).getDetected()).isEmpty();
  }

  @Test
  void shouldRefuseLogitsOfTheWrongWidth() {
    LogitsDecoder d = new LogitsDecoder(LABELS, ModelConfig.OutputActivation.SOFTMAX);
    assertThatThrownBy(() -> d.scores(new float[2])).hasMessageContaining("2 logits for 3 labels");
  }
}
