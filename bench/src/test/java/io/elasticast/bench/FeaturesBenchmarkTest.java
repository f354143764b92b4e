package io.elasticast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FeaturesBenchmarkTest {

  @Test
  void shouldEndWithTheSummaryLineFormat() {
    assertThat(FeaturesBenchmark.summaryLine(12.345, 2718.4))
        .isEqualTo("java/torchaudio=12.35 rtf_per_core=2718");
  }

  @Test
  void shouldSeparateParityWithinTheFrameDynamicRangeFromDeepValues() {
    float[] reference = {0f, -10f, -20f, 0f};
    float[] actual = {0.001f, -10.002f, -20.5f, 0f};
    double[] errors = FeaturesBenchmark.parityErrors(reference, actual, 2);
    // frame 0: both within 16 nats; frame 1: -20 is 20 nats below its peak 0
    assertThat(errors[0]).isCloseTo(0.002, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(errors[1]).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void shouldSynthesiseTheSameBoundedAudioEveryTime() {
    float[] a = FeaturesBenchmark.syntheticAudio(16_000 * 12, 16_000);
    float[] b = FeaturesBenchmark.syntheticAudio(16_000 * 12, 16_000);
    assertThat(a).isEqualTo(b);
    double peak = 0;
    for (float v : a) {
      peak = Math.max(peak, Math.abs(v));
    }
    assertThat(peak).isGreaterThan(0.001).isLessThanOrEqualTo(1.0);
  }

  @Test
  void shouldShipItsPythonSideAsAResource() {
    assertThat(FeaturesBenchmark.class.getResource(FeaturesBenchmark.SCRIPT)).isNotNull();
  }
}
