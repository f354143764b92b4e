package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.SpectrogramWindow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Accounting of WindowClassifier with a fake runtime: every window comes back scored or rejected. */
class WindowClassifierUnitTest {

  private static final int POISON_TOKENS = 24; // 48 frames: the fake runtime fails on these

  /** Logit 0 of each window = its token count (from sample_ids); fails a call holding a poison window. */
  private static final PackedRunner FAKE = batch -> {
    int[] tokens = new int[batch.windows()];
    for (int t = 0; t < batch.tokens(); t++) {
      tokens[(int) batch.sampleIds().get(t)]++;
    }
    float[][] logits = new float[batch.windows()][3];
    for (int k = 0; k < tokens.length; k++) {
      if (tokens[k] == POISON_TOKENS) {
        throw new OrtClassifier.InferenceException("fake failure on a poison window", null);
      }
      logits[k][0] = tokens[k];
    }
    return logits;
  };

  private static WindowClassifier classifier() {
    return new WindowClassifier(FAKE, new Patchifier(16, 128, 192, 0f, 1f, 0f),
        new PackPlanner(1536, 4096, new PackPlanner.CostModel(100e-6, 0.5e-6, 2e-6, 4e-9, 0.3e-9)));
  }

  @Test
  void shouldRejectOnlyTheWindowThatFailsAloneAndScoreTheRestOfItsCall() {
    List<SpectrogramWindow> windows = new ArrayList<>();
    int[] frames = {32, 48, 64, 48, 16, 160};
    for (int i = 0; i < frames.length; i++) {
      windows.add(Windows.random("s", i, frames[i], 10, i));
    }
    WindowClassifier.Outcome out = classifier().classify(windows);

    assertThat(out.rejected()).extracting(WindowClassifier.Rejected::window)
        .containsExactlyInAnyOrder(windows.get(1), windows.get(3));
    assertThat(out.rejected()).allSatisfy(r -> assertThat(r.reason()).contains("inference failed"));
    assertThat(out.scored()).extracting(WindowClassifier.Scored::window)
        .containsExactly(windows.get(0), windows.get(2), windows.get(4), windows.get(5));
    // each scored window got its own logits back (logit 0 = its token count)
    assertThat(out.scored()).allSatisfy(s ->
        assertThat(s.logits()[0]).isEqualTo(s.window().frames / 16 * 8));
  }

  @Test
  void shouldAccountForEveryWindowOfARandomMix() {
    List<SpectrogramWindow> windows = Windows.mix(40, 4);
    SpectrogramWindow shortWindow = Windows.random("short", 99, 10, 10, 1);
    SpectrogramWindow empty = Windows.random("empty", 100, 0, 10, 1);
    windows.add(shortWindow);
    windows.add(empty);
    WindowClassifier.Outcome out = classifier().classify(windows);
    assertThat(out.scored().size() + out.rejected().size()).isEqualTo(windows.size());
    assertThat(out.rejected()).extracting(WindowClassifier.Rejected::window).contains(empty)
        .doesNotContain(shortWindow);
    // 10 frames are padded to one patch: 8 tokens
    assertThat(out.scored()).filteredOn(s -> s.window() == shortWindow)
        .singleElement().satisfies(s -> assertThat(s.logits()[0]).isEqualTo(8f));
  }
}
