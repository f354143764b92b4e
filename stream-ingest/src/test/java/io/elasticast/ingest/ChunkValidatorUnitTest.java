package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.EventTimeBounds;
import io.elasticast.schemas.SampleEncoding;
import java.util.Map;
import java.util.Optional;
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

  static final long NOW_MILLIS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  static final EventTimeBounds ONE_HOUR = EventTimeBounds.defaults();

  static Optional<ChunkValidator.Rejection> at(long eventMicros) {
    AudioChunk chunk = s16(16_000, 1, 2);
    chunk.setEventTimeStartMicros(eventMicros);
    return ChunkValidator.validate("s", chunk, ONE_HOUR, NOW_MILLIS);
  }

  @Test
  void shouldRefuseEventTimesBeforeTheEpochOrTooFarAhead() {
    assertThat(at(-1).orElseThrow().reason()).isEqualTo(DeadLetterReason.BAD_EVENT_TIME);
    assertThat(at(Long.MIN_VALUE).orElseThrow().reason()).isEqualTo(DeadLetterReason.BAD_EVENT_TIME);
    assertThat(at(Long.MAX_VALUE).orElseThrow().reason()).isEqualTo(DeadLetterReason.BAD_EVENT_TIME);
    long hourAhead = (NOW_MILLIS + 3_600_000L) * 1_000L;
    assertThat(at(hourAhead)).isEmpty();
    assertThat(at(hourAhead + 1_000)).isPresent();
    assertThat(at(0)).isEmpty(); // old is fine: archives are replayed
  }

  @Test
  void shouldNameAKeyThatIsNotTheStreamIdAMismatch() {
    var rejection = ChunkValidator.validate("other", s16(16_000, 1, 2), ONE_HOUR, NOW_MILLIS);
    assertThat(rejection.orElseThrow().reason()).isEqualTo(DeadLetterReason.KEY_MISMATCH);
  }

  @Test
  void shouldRefuseANegativeSequenceNumberAsABadSequence() {
    AudioChunk chunk = s16(16_000, 1, 2);
    chunk.setSequenceNumber(-1);
    assertThat(reason(chunk)).isEqualTo(DeadLetterReason.BAD_SEQUENCE);
  }

  @Test
  void shouldRefuseWhatWouldMakeTheOutputTooLarge() {
    String longId = "x".repeat(ChunkValidator.MAX_STREAM_ID_BYTES + 1);
    AudioChunk chunk = AudioFixtures.chunk(longId, 0, 16_000, 1, SampleEncoding.PCM_S16LE, new byte[2]);
    assertThat(ChunkValidator.validate(longId, chunk, ONE_HOUR, NOW_MILLIS).orElseThrow().message())
        .contains("stream ids are at most");

    AudioChunk metadata = s16(16_000, 1, 2);
    metadata.setSourceMetadata(Map.of("k", "v".repeat(ChunkValidator.MAX_METADATA_BYTES - 1)));
    assertThat(ChunkValidator.validate("s", metadata, ONE_HOUR, NOW_MILLIS)).isEmpty();
    metadata.setSourceMetadata(Map.of("k", "v".repeat(ChunkValidator.MAX_METADATA_BYTES)));
    assertThat(reason(metadata)).isEqualTo(DeadLetterReason.OTHER);

    assertThat(ChunkValidator.validateHeaders(ChunkValidator.MAX_HEADER_BYTES)).isEmpty();
    assertThat(ChunkValidator.validateHeaders(ChunkValidator.MAX_HEADER_BYTES + 1L)).isPresent();
  }

  @Test
  void shouldMeasureAChunksDuration() {
    assertThat(ChunkValidator.durationMicros(s16(16_000, 1, 2 * 1_600))).isEqualTo(100_000);
    assertThat(ChunkValidator.durationMicros(s16(44_100, 2, 4 * 4_410))).isEqualTo(100_000);
    assertThat(ChunkValidator.durationMicros(s16(192_000, 1, 2))).isEqualTo(5); // rounded down
  }

  static DeadLetterReason reason(AudioChunk chunk) {
    return ChunkValidator.validate("s", chunk, ONE_HOUR, NOW_MILLIS).orElseThrow().reason();
  }
}
