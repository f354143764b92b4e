package io.elasticast.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DeadLettersUnitTest {

  @Test
  void shouldKeepASmallValueWholeWithItsSizeAndHash() {
    byte[] value = {1, 2, 3};
    DeadLetter d = DeadLetters.of("audio.raw", 2, 40, "feed".getBytes(), value,
        DeadLetterReason.UNDECODABLE, "bad header", 7);
    assertThat(d.getOriginalValue().remaining()).isEqualTo(3);
    assertThat(d.getOriginalValueSize()).isEqualTo(3L);
    assertThat(d.getOriginalValueSha256()).isEqualTo(DeadLetters.sha256(value)).hasSize(64);
    assertThat(d.getMessage()).isEqualTo("bad header");
    assertThat(d.getSourcePartition()).isEqualTo(2);
    assertThat(d.getSourceOffset()).isEqualTo(40L);
  }

  @Test
  void shouldTruncateALargeValueAndSaySo() throws Exception {
    byte[] value = new byte[20 * 1024 * 1024];
    Arrays.fill(value, (byte) 7);
    DeadLetter d = DeadLetters.of("audio.raw", 0, 1, null, value, DeadLetterReason.CHUNK_TOO_LONG,
        "chunk is 327 s", 7, 1000);
    assertThat(d.getOriginalValue().remaining()).isEqualTo(1000);
    assertThat(d.getOriginalValueSize()).isEqualTo(value.length);
    assertThat(d.getOriginalValueSha256()).isEqualTo(DeadLetters.sha256(value));
    assertThat(d.getMessage()).contains("truncated").contains("1000 of " + value.length);
    // the default limit keeps the whole record far below the 1 MiB broker default
    DeadLetter byDefault = DeadLetters.of("audio.raw", 0, 1, null, value,
        DeadLetterReason.CHUNK_TOO_LONG, "x", 7);
    assertThat(byDefault.toByteBuffer().remaining()).isLessThan(DeadLetters.DEFAULT_MAX_VALUE_BYTES + 4096);
  }

  @Test
  void shouldCarryNoSizeForANullValueAndNameTheReasonWhenNoMessage() {
    DeadLetter d = DeadLetters.of("audio.normalised", 1, 5, null, null,
        DeadLetterReason.UNDECODABLE, null, 7);
    assertThat(d.getOriginalValue()).isNull();
    assertThat(d.getOriginalValueSize()).isNull();
    assertThat(d.getMessage()).isEqualTo("UNDECODABLE");
  }

  @Test
  void shouldRefuseEventTimesBeforeTheEpochOrTooFarAhead() {
    EventTimeBounds bounds = new EventTimeBounds(Duration.ofHours(1));
    long now = 1_800_000_000_000L;
    assertThat(bounds.accepts(now * 1000, now)).isTrue();
    assertThat(bounds.accepts((now + 3_599_000) * 1000, now)).isTrue();
    assertThat(bounds.accepts(0, now)).isTrue();
    assertThat(bounds.violation(-1, now)).get().asString().contains("before the epoch");
    assertThat(bounds.violation((now + Duration.ofDays(3650).toMillis()) * 1000, now))
        .get().asString().contains("ahead of the clock");
    assertThat(bounds.accepts(Long.MAX_VALUE, now)).isFalse();
  }
}
