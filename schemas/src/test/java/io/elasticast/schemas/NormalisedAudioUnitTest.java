package io.elasticast.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class NormalisedAudioUnitTest {

  static final float[] SAMPLES = {0f, 0.5f, -1f, 0.25f};

  @Test
  void shouldRoundTripSamplesThroughANormalisedChunk() {
    AudioChunk chunk = NormalisedAudio.chunk("feed", 3, 1_000, SAMPLES, NormalisedAudio.gap(2));
    assertThat(chunk.getSampleRate()).isEqualTo(16_000);
    assertThat(chunk.getChannels()).isEqualTo(1);
    assertThat(chunk.getEncoding()).isEqualTo(SampleEncoding.FLOAT32LE);
    assertThat(chunk.getOrder().getKind()).isEqualTo(OrderKind.GAP);
    assertThat(chunk.getOrder().getMissingChunks()).isEqualTo(2);
    assertThat(chunk.getSourceMetadata()).isNull();
    assertThat(NormalisedAudio.decode(chunk).samples()).containsExactly(SAMPLES);
    assertThat(NormalisedAudio.durationMicros(16_000)).isEqualTo(1_000_000);
  }

  @Test
  void shouldSayWhyAChunkIsNotNormalised() {
    AudioChunk good = NormalisedAudio.chunk("feed", 0, 0, SAMPLES, null);
    assertThat(reason(AudioChunk.newBuilder(good).setChannels(2).build()))
        .isEqualTo(DeadLetterReason.BAD_CHANNELS);
    assertThat(reason(AudioChunk.newBuilder(good).setSampleRate(48_000).build()))
        .isEqualTo(DeadLetterReason.BAD_SAMPLE_RATE);
    assertThat(reason(AudioChunk.newBuilder(good).setEncoding(SampleEncoding.PCM_S16LE).build()))
        .isEqualTo(DeadLetterReason.UNKNOWN_ENCODING);
    assertThat(reason(AudioChunk.newBuilder(good).setPayload(ByteBuffer.allocate(6)).build()))
        .isEqualTo(DeadLetterReason.PARTIAL_FRAME);
    assertThat(reason(AudioChunk.newBuilder(good).setPayload(ByteBuffer.allocate(0)).build()))
        .isEqualTo(DeadLetterReason.EMPTY_PAYLOAD);
    assertThat(reason(AudioChunk.newBuilder(good).setStreamId("").build()))
        .isEqualTo(DeadLetterReason.MISSING_KEY);
    NormalisedAudio.Decoded nan = NormalisedAudio.decode(
        NormalisedAudio.chunk("feed", 0, 0, new float[] {0f, Float.NaN}, null));
    assertThat(nan.reason()).isEqualTo(DeadLetterReason.NON_FINITE_SAMPLES);
    assertThat(nan.message()).contains("sample 1");
  }

  private static DeadLetterReason reason(AudioChunk chunk) {
    NormalisedAudio.Decoded d = NormalisedAudio.decode(chunk);
    assertThat(d.ok()).isFalse();
    assertThat(d.message()).isNotBlank();
    return d.reason();
  }
}
