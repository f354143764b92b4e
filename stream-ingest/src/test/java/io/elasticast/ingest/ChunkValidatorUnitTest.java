package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.SampleEncoding;
import org.junit.jupiter.api.Test;

class ChunkValidatorUnitTest {

  static AudioChunk s16(int rate, int channels, int bytes) {
    return AudioFixtures.chunk("s", 0, rate, channels, SampleEncoding.PCM_S16LE, new byte[bytes]);
  }

  @Test
  void shouldAcceptTheLimitsThemselves() {
    assertThat(ChunkValidator.validate("s", s16(8_000, 1, 2))).isEmpty();
    assertThat(ChunkValidator.validate("s", s16(192_000, 8, 16))).isEmpty();
    assertThat(ChunkValidator.validate("s", s16(8_000, 1, 2 * 80_000))).isEmpty();
  }

  @Test
  void shouldRejectJustOutsideTheLimits() {
    assertThat(reason(s16(7_999, 1, 2))).isEqualTo(DeadLetterReason.BAD_SAMPLE_RATE);
    assertThat(reason(s16(192_001, 1, 2))).isEqualTo(DeadLetterReason.BAD_SAMPLE_RATE);
    assertThat(reason(s16(16_000, 0, 2))).isEqualTo(DeadLetterReason.BAD_CHANNELS);
    assertThat(reason(s16(8_000, 1, 2 * 80_001))).isEqualTo(DeadLetterReason.CHUNK_TOO_LONG);
  }

  @Test
  void shouldRejectAChunkWithoutEncoding() {
    AudioChunk chunk = s16(16_000, 1, 2);
    chunk.setEncoding(null); // what a reader would see for a symbol it does not know
    assertThat(reason(chunk)).isEqualTo(DeadLetterReason.UNKNOWN_ENCODING);
  }

  @Test
  void shouldRejectAnEncodingReadAsUnknown() {
    AudioChunk chunk = s16(16_000, 1, 2);
    chunk.setEncoding(SampleEncoding.UNKNOWN); // a newer writer's symbol, resolved to the default
    assertThat(reason(chunk)).isEqualTo(DeadLetterReason.UNKNOWN_ENCODING);
  }

  @Test
  void shouldRejectInfinityInFloatPayloads() {
    float[] s = {0f, Float.NEGATIVE_INFINITY};
    AudioChunk chunk = AudioFixtures.floatChunk("s", 0, 16_000, 1, s);
    assertThat(reason(chunk)).isEqualTo(DeadLetterReason.NON_FINITE_SAMPLES);
  }

  static DeadLetterReason reason(AudioChunk chunk) {
    return ChunkValidator.validate("s", chunk).orElseThrow().reason();
  }
}
