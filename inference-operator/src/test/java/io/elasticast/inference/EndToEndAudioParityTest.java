package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elasticast.featurizer.FbankConfig;
import io.elasticast.featurizer.FbankExtractor;
import io.elasticast.schemas.SpectrogramWindow;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PCM to logits through the featurizer's extractor and this module's packer and runtime, against
 * PyTorch (torchaudio fbank + the model) on model/'s audio fixture.
 */
class EndToEndAudioParityTest {

  @Test
  void shouldTurnPcmIntoThePyTorchLogits() throws IOException {
    JsonNode fx = new ObjectMapper().readTree(
        TestModels.ARTIFACTS.resolve("fixtures/elasticast-tiny-random-audio.json").toFile());
    List<float[]> clips = new ArrayList<>();
    for (JsonNode clip : fx.get("clips_pcm16")) {
      float[] wave = new float[clip.size()];
      for (int i = 0; i < wave.length; i++) {
        wave[i] = clip.get(i).asInt() / 32768f;
      }
      clips.add(wave);
    }
    ModelConfig config = TestModels.tiny();
    List<SpectrogramWindow> windows = new ArrayList<>();
    for (JsonNode w : fx.get("windows")) {
      int shift = w.get("frame_shift_ms").asInt();
      float[] fbank = new FbankExtractor(FbankConfig.ast(shift, config.numMelBins()))
          .extract(clips.get(w.get("clip").asInt()));
      int frames = fbank.length / config.numMelBins();
      assertThat(frames).isEqualTo(w.get("frames").asInt());
      windows.add(new SpectrogramWindow("clip-" + w.get("clip").asInt(), windows.size(), "fixture",
          0, 1, shift, frames, config.numMelBins(), false, fbank));
    }

    double worst = 0;
    try (WindowClassifier classifier = WindowClassifier.open(config,
        TestModels.tinySettings())) {
      WindowClassifier.Outcome out = classifier.classify(windows);
      assertThat(out.scored()).hasSize(windows.size());
      for (int n = 0; n < windows.size(); n++) {
        float[] logits = out.scored().get(n).logits();
        JsonNode expected = fx.get("logits").get(n);
        for (int c = 0; c < logits.length; c++) {
          worst = Math.max(worst, Math.abs(logits[c] - expected.get(c).asDouble()));
        }
      }
    }
    System.out.printf("PCM -> logits: max |Java - PyTorch| = %.3g over %d windows%n", worst,
        windows.size());
    assertThat(worst).isLessThanOrEqualTo(fx.get("tolerance").asDouble());
  }
}
