package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamingFbankUnitTest {

  private static final int SPLITS_PER_CONFIG = 60;

  @Test
  void shouldEmitExactlyTheOfflineFramesForRandomChunkSizes() {
    float[] audio = AudioFixtures.concat(FbankFixtures.clip("speech"), FbankFixtures.clip("noise"),
        FbankFixtures.clip("chirp"));
    for (int shift : new int[] {10, 20, 25, 40}) {
      FbankExtractor extractor = new FbankExtractor(FbankConfig.ast(shift, 64));
      float[] offline = extractor.extract(audio);
      Random random = new Random(shift);
      for (int split = 0; split < SPLITS_PER_CONFIG; split++) {
        // chunk sizes from 1 sample to several seconds, log-uniform so both ends are exercised
        int maxChunk = split % 3 == 0 ? 7 : 3 * 16_000;
        float[] streamed = stream(extractor, audio, random, maxChunk, false);
        assertThat(Arrays.equals(streamed, offline))
            .as("frame shift %d ms, split %d", shift, split).isTrue();
      }
    }
  }

  @Test
  void shouldContinueIdenticallyAfterExportingAndImportingState() {
    float[] audio = FbankFixtures.clip("speech");
    for (int shift : new int[] {10, 40}) {
      FbankExtractor extractor = new FbankExtractor(FbankConfig.ast(shift, 128));
      float[] offline = extractor.extract(audio);
      Random random = new Random(100 + shift);
      for (int split = 0; split < 20; split++) {
        float[] streamed = stream(extractor, audio, random, 2_000, true);
        assertThat(Arrays.equals(streamed, offline)).as("shift %d split %d", shift, split).isTrue();
      }
    }
  }

  @Test
  void shouldRejectAnInconsistentState() {
    FbankExtractor extractor = new FbankExtractor(FbankConfig.ast(10, 64));
    StreamingFbank.State bad = new StreamingFbank.State(2, 500, new float[7]);
    assertThatThrownBy(() -> new StreamingFbank(extractor, bad))
        .hasMessageContaining("inconsistent fbank state");
  }

  @Test
  void shouldKeepLessThanOneFrameOfSamples() {
    FbankExtractor extractor = new FbankExtractor(FbankConfig.ast(40, 64));
    StreamingFbank stream = new StreamingFbank(extractor);
    stream.accept(new float[1000], 0, 1000, (i, v, o) -> { });
    // frames at 0 and 640; the next starts at 1280, beyond the 1000 samples seen
    assertThat(stream.frameIndex()).isEqualTo(1);
    assertThat(stream.state().pending).hasSize(1000 - 640);
    stream.accept(new float[100], 0, 100, (i, v, o) -> { });
    assertThat(stream.frameIndex()).isEqualTo(2);
    assertThat(stream.state().pending).isEmpty();
  }

  /** Streams audio in random chunks, optionally through a fresh instance restored from state each time. */
  static float[] stream(FbankExtractor extractor, float[] audio, Random random, int maxChunk,
      boolean restoreEachChunk) {
    int bins = extractor.numMelBins();
    float[] out = new float[(int) extractor.config().framesFor(audio.length) * bins];
    StreamingFbank stream = new StreamingFbank(extractor);
    int at = 0;
    while (at < audio.length) {
      int size = 1 + (int) Math.floor(Math.exp(random.nextDouble() * Math.log(maxChunk)));
      size = Math.min(size, audio.length - at);
      // copy into a fresh array so no frame can read beyond its chunk by accident
      float[] chunk = Arrays.copyOfRange(audio, at, at + size);
      if (restoreEachChunk) {
        stream = new StreamingFbank(extractor, stream.state());
      }
      stream.accept(chunk, 0, chunk.length,
          (index, values, offset) -> System.arraycopy(values, offset, out, (int) index * bins, bins));
      at += size;
    }
    assertThat(stream.frameIndex() * bins).isEqualTo(out.length);
    return out;
  }
}
