package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AudioLevelUnitTest {

  @Test
  void shouldGiveZeroDbfsForAFullScaleSquareWave() {
    float[] square = new float[1_600];
    for (int i = 0; i < square.length; i++) {
      square[i] = (i / 8) % 2 == 0 ? 1f : -1f;
    }
    assertThat(AudioLevel.dbfs(square, 0, square.length)).isCloseTo(0.0, within(1e-9));
  }

  @Test
  void shouldGiveMinusThreeDbfsForAFullScaleSineAndSixLessAtHalfAmplitude() {
    float[] full = new float[16_000];
    float[] half = new float[16_000];
    for (int i = 0; i < full.length; i++) {
      full[i] = (float) Math.sin(2 * Math.PI * 1000 * i / 16_000.0);
      half[i] = full[i] / 2;
    }
    double fullDb = AudioLevel.dbfs(full, 0, full.length);
    // 10·log10(1/2): a sine's mean square is half its peak squared
    assertThat(fullDb).isCloseTo(-3.0103, within(1e-3));
    assertThat(AudioLevel.dbfs(half, 0, half.length)).isCloseTo(fullDb - 6.0206, within(1e-3));
  }

  @Test
  void shouldMeasureOnlyTheGivenRange() {
    float[] samples = AudioFixtures.concat(AudioFixtures.silence(0.1), constant(1_600, 0.1f),
        AudioFixtures.silence(0.1));
    // 0.1 constant: mean square 0.01 = -20 dBFS; the silence on either side must not count
    assertThat(AudioLevel.dbfs(samples, 1_600, 3_200)).isCloseTo(-20.0, within(1e-6));
    // the whole array: a third of the energy per sample
    assertThat(AudioLevel.dbfs(samples, 0, samples.length))
        .isCloseTo(-20.0 - 10 * Math.log10(3), within(1e-6));
  }

  @Test
  void shouldFloorSilenceAndEmptyRangesAtMinus120() {
    assertThat(AudioLevel.dbfs(new float[800], 0, 800)).isEqualTo(AudioLevel.FLOOR_DBFS);
    assertThat(AudioLevel.dbfs(new float[800], 10, 10)).isEqualTo(AudioLevel.FLOOR_DBFS);
    assertThat(AudioLevel.dbfs(new float[0], 0, 0)).isEqualTo(-120.0);
    // 1e-7 amplitude is -140 dBFS: below the floor, so the floor
    assertThat(AudioLevel.dbfs(constant(100, 1e-7f), 0, 100)).isEqualTo(-120.0);
    assertThat(AudioLevel.dbfsOfMeanSquare(Double.NaN)).isEqualTo(-120.0);
  }

  @Test
  void shouldAgreeWithSumOfSquares() {
    float[] noise = AudioFixtures.noise(0.5, 0.2, 7);
    double meanSquare = AudioLevel.sumOfSquares(noise, 0, noise.length) / noise.length;
    assertThat(AudioLevel.dbfs(noise, 0, noise.length))
        .isEqualTo(AudioLevel.dbfsOfMeanSquare(meanSquare))
        // std 0.2: about -14 dBFS
        .isCloseTo(20 * Math.log10(0.2), within(0.2));
  }

  private static float[] constant(int n, float v) {
    float[] out = new float[n];
    Arrays.fill(out, v);
    return out;
  }
}
