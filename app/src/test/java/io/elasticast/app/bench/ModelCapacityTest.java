package io.elasticast.app.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.app.ElasticAstJob;
import io.elasticast.app.JobConfig;
import io.elasticast.featurizer.FeaturizerSettings;
import io.elasticast.featurizer.WindowPolicy;
import io.elasticast.inference.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelCapacityTest {

  static final Path TINY = Path.of("").toAbsolutePath().getParent()
      .resolve("model/artifacts/model-tiny-random.json");

  static float[] tone(double seconds) {
    float[] out = new float[(int) (seconds * 16_000)];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / 16_000.0));
    }
    return out;
  }

  @Test
  void shouldCountTheWindowsAFeedMakesPerSecondUnderThePolicies() {
    FeaturizerSettings sliding = FeaturizerSettings.defaults(List.of(WindowPolicy.parse("sliding:1s/0.5s@10ms")));
    // two clips of 5 s, each looped 4 times: 20 s of audio per clip, one continuous run each
    ModelCapacity.Mix mix = ModelCapacity.mix(sliding, List.of(tone(5), tone(5)), 4, 1_600);
    assertThat(mix.audioSeconds()).isCloseTo(40.0, within(1e-9));
    // a 20 s run cuts a 0.975 s window every 0.5 s: 39 per clip
    assertThat(mix.windows()).hasSize(78);
    assertThat(mix.windowsPerFeedSecond()).isCloseTo(1.95, within(1e-9));
  }

  @Test
  void shouldMeasureWhatTheModelScoresPerSecondInPackedBatches() {
    JobConfig config = JobConfig.defaults();
    config.inference.modelDir = TINY.toString();
    config.inference.threads = 1;
    ModelCapacity.Mix mix = ModelCapacity.mix(ElasticAstJob.featurizerSettings(config),
        List.of(tone(3)), 2, 1_600);
    ModelCapacity.Result r = ModelCapacity.measure(ModelConfig.load(TINY),
        ElasticAstJob.inferenceSettings(config), mix, 0.2, 0.5);
    assertThat(r.calls()).isPositive();
    assertThat(r.windowsPerSecond()).isPositive();
    assertThat(r.feeds()).isCloseTo(r.windowsPerSecond() / mix.windowsPerFeedSecond(), within(1e-9));
  }
}
