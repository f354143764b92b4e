package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.schemas.SpectrogramWindow;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import org.junit.jupiter.api.Test;

class PatchifierUnitTest {

  private static final int MAX_TIME = 192;
  private final Patchifier identity = new Patchifier(16, 128, MAX_TIME, 0f, 1f, -7f);

  @Test
  void shouldCutFramesPastAMultipleOf16() {
    assertThat(identity.tokens(Windows.indexed(16))).isEqualTo(8);
    assertThat(identity.tokens(Windows.indexed(47))).isEqualTo(16);
    assertThat(identity.tokens(Windows.indexed(98))).isEqualTo(6 * 8);
  }

  @Test
  void shouldPlaceValuesAsTheServingContractSays() {
    SpectrogramWindow w = Windows.indexed(40); // 2 time patches, 8 cut frames
    int tokens = identity.tokens(w);
    FloatBuffer patches = FloatBuffer.allocate((tokens + 1) * 256);
    LongBuffer freq = LongBuffer.allocate(tokens + 1);
    LongBuffer time = LongBuffer.allocate(tokens + 1);
    identity.write(w, patches, freq, time, 1); // at an offset: token 0 untouched

    assertThat(patches.get(0)).isZero();
    for (int token = 0; token < tokens; token++) {
      int tp = token / 8;
      int fp = token % 8;
      assertThat(time.get(token + 1)).isEqualTo(tp);
      assertThat(freq.get(token + 1)).isEqualTo(fp);
      for (int df = 0; df < 16; df++) {
        for (int dt = 0; dt < 16; dt++) {
          float expected = (tp * 16 + dt) * 1000 + fp * 16 + df;
          assertThat(patches.get((token + 1) * 256 + df * 16 + dt)).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void shouldNormaliseRawLogMelWithTheModelStatistics() {
    Patchifier normalising = new Patchifier(16, 128, MAX_TIME, -4f, 1f / (2f * 2.5f), 0.8f);
    SpectrogramWindow w = Windows.indexed(16);
    FloatBuffer patches = FloatBuffer.allocate(8 * 256);
    normalising.write(w, patches, LongBuffer.allocate(8), LongBuffer.allocate(8), 0);
    // token 1 = (tp 0, fp 1); index df*16+dt = 3*16+2 holds frame 2, bin 16+3
    assertThat(patches.get(256 + 3 * 16 + 2)).isEqualTo((2 * 1000 + 19 + 4f) / 5f);
  }

  @Test
  void shouldPadAWindowShorterThanOnePatchToOnePatchWithThePaddingValue() {
    SpectrogramWindow w = Windows.indexed(5);
    assertThat(identity.rejectionReason(w)).isNull();
    assertThat(identity.tokens(w)).isEqualTo(8);
    FloatBuffer patches = FloatBuffer.allocate(8 * 256);
    LongBuffer time = LongBuffer.allocate(8);
    identity.write(w, patches, LongBuffer.allocate(8), time, 0);
    for (int token = 0; token < 8; token++) {
      assertThat(time.get(token)).isZero();
      for (int df = 0; df < 16; df++) {
        for (int dt = 0; dt < 16; dt++) {
          float expected = dt < 5 ? dt * 1000 + token * 16 + df : -7f;
          assertThat(patches.get(token * 256 + df * 16 + dt)).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void shouldPadWithTheNormalisedRawLogMelZeroOfTheModel() {
    // train.clip_tokens_from_fbank pads with (0 - mean) / (2 * std), after normalisation
    ModelConfig config = TestModels.tiny();
    float expected = (float) ((0.0 - config.mean()) / (2.0 * config.std()));
    assertThat(config.paddingValue()).isCloseTo(expected, within(1e-6f));
    assertThat(config.paddingValue()).isEqualTo(config.normalise(ModelConfig.PADDING_LOG_MEL));
    for (Patchifier.FeatureScale scale : Patchifier.FeatureScale.values()) {
      Patchifier p = new Patchifier(config, scale);
      assertThat(p.paddingValue()).as(scale.name()).isEqualTo(config.paddingValue());
      FloatBuffer patches = FloatBuffer.allocate(8 * 256);
      p.write(Windows.random("a", 0, 3, 40, 1), patches, LongBuffer.allocate(8),
          LongBuffer.allocate(8), 0);
      // frame 3.. of every token is padding, whatever scale the window's own frames are in
      assertThat(patches.get(5 * 256 + 2 * 16 + 3)).as(scale.name())
          .isEqualTo(config.paddingValue());
      assertThat(patches.get(7 * 256 + 15 * 16 + 15)).as(scale.name())
          .isEqualTo(config.paddingValue());
    }
  }

  @Test
  void shouldGiveAReasonForWindowsTheModelCannotTake() {
    assertThat(identity.rejectionReason(Windows.indexed(16))).isNull();
    assertThat(identity.rejectionReason(Windows.indexed(15))).isNull();
    assertThat(identity.rejectionReason(Windows.indexed(1))).isNull();
    assertThat(identity.rejectionReason(Windows.indexed(0))).contains("no frames");
    assertThat(identity.rejectionReason(Windows.indexed(16 * MAX_TIME + 15))).isNull();
    assertThat(identity.rejectionReason(Windows.indexed(16 * (MAX_TIME + 1))))
        .contains("time table");
    SpectrogramWindow narrow = new SpectrogramWindow("s", 0, "p", 0, 1, 10, 16, 64, false,
        new float[16 * 64]);
    assertThat(identity.rejectionReason(narrow)).contains("64 mel bins");
  }
}
