package io.elasticast.ingest;

import static io.elasticast.ingest.AudioFixtures.rms;
import static io.elasticast.ingest.AudioFixtures.snrDb;
import static io.elasticast.ingest.AudioFixtures.tone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PolyphaseResamplerUnitTest {

  static final int OUT = 16_000;

  @ParameterizedTest
  @ValueSource(ints = {8_000, 11_025, 16_000, 22_050, 44_100, 48_000, 44_101, 96_000, 192_000})
  void shouldReproduceAPassbandToneAtTheNewRate(int inRate) {
    double hz = Math.min(3_000, 0.4 * inRate);
    float[] input = tone(hz, 0.5, inRate, 0.5);
    float[] out = new PolyphaseResampler(inRate, OUT).processWhole(input);

    float[] ideal = tone(hz, 0.5, OUT, 0.5);
    assertThat(out.length).isEqualTo((int) Math.ceil(input.length * (double) OUT / inRate));
    // Skip the edges, where the input's abrupt start and end are not band-limited.
    assertThat(snrDb(ideal, out, 800, out.length - 800)).isGreaterThan(80);
  }

  @Test
  void shouldSuppressAToneAboveTheOutputNyquist() {
    float[] input = tone(11_000, 0.5, 44_100, 0.5);
    float[] out = new PolyphaseResampler(44_100, OUT).processWhole(input);
    double attenuationDb = 20 * Math.log10(rms(out, 800, out.length - 800) / (0.5 / Math.sqrt(2)));
    assertThat(attenuationDb).isLessThan(-80);
  }

  @ParameterizedTest
  @ValueSource(ints = {44_100, 48_000, 8_000, 44_101})
  void shouldGiveTheSameOutputWhateverTheChunking(int inRate) {
    float[] input = AudioFixtures.noise(7, inRate, 0.5);
    PolyphaseResampler resampler = new PolyphaseResampler(inRate, OUT);
    float[] whole = resampler.process(resampler.newState(), input);

    PolyphaseResampler.State state = resampler.newState();
    float[] chunked = new float[0];
    int[] sizes = {1, 441, 4410, 17, 1000, 3};
    for (int pos = 0, i = 0; pos < input.length; i++) {
      int n = Math.min(sizes[i % sizes.length], input.length - pos);
      float[] part = resampler.process(state, Arrays.copyOfRange(input, pos, pos + n));
      chunked = concat(chunked, part);
      pos += n;
    }
    assertThat(chunked).containsExactly(whole, within(0f));
    assertThat(state.nextOutput()).isEqualTo(whole.length);
  }

  @Test
  void shouldHoldBackOnlyTheLookahead() {
    PolyphaseResampler resampler = new PolyphaseResampler(48_000, OUT);
    float[] out = resampler.process(resampler.newState(), new float[4_800]);
    int expected = (int) Math.ceil((4_800 - resampler.lookahead()) / 3.0);
    assertThat(out).hasSize(expected);
  }

  static float[] concat(float[] a, float[] b) {
    float[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
