package io.elasticast.ingest;

import static io.elasticast.ingest.AudioFixtures.floatChunk;
import static io.elasticast.ingest.AudioFixtures.tone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.OrderKind;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.DeadLetters;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NormaliserTopologyTest {

  final NormaliserDriver n = new NormaliserDriver();

  @AfterEach
  void close() {
    n.close();
  }

  static float[] samples(AudioChunk chunk) {
    return SampleCodec.decode(ChunkValidator.bytesOf(chunk.getPayload()), chunk.getEncoding());
  }

  @Test
  void shouldPassAValidMono16kChunkThroughUnchanged() {
    float[] signal = tone(440, 0.1, 16_000, 0.5);
    AudioChunk in = AudioFixtures.chunk("feed-a", 0, 16_000, 1, SampleEncoding.PCM_S16LE,
        SampleCodec.encodeS16(signal));
    n.send(in);

    List<AudioChunk> out = n.readNormalised();
    assertThat(out).hasSize(1);
    AudioChunk chunk = out.get(0);
    assertThat(chunk.getStreamId()).isEqualTo("feed-a");
    assertThat(chunk.getSampleRate()).isEqualTo(16_000);
    assertThat(chunk.getChannels()).isEqualTo(1);
    assertThat(chunk.getEncoding()).isEqualTo(SampleEncoding.FLOAT32LE);
    assertThat(chunk.getEventTimeStartMicros()).isEqualTo(in.getEventTimeStartMicros());
    assertThat(samples(chunk)).containsExactly(signal, within(1f / 32_768));
    assertThat(n.readDeadLetters()).isEmpty();
    assertThat(n.counters.normalised()).isEqualTo(1);
  }

  @Test
  void shouldDownmixAndResampleAStereo44kChunk() {
    float[] mono = tone(1_000, 1.0, 44_100, 0.5);
    n.send(floatChunk("feed-b", 0, 44_100, 2, AudioFixtures.interleave(mono, 2)));

    AudioChunk out = n.readNormalised().get(0);
    assertThat(out.getChannels()).isEqualTo(1);
    assertThat(out.getSampleRate()).isEqualTo(16_000);
    // the raw chunk's metadata stays behind: nothing downstream reads it
    assertThat(out.getSourceMetadata()).isNull();
    assertThat(out.getOrder().getKind()).isEqualTo(OrderKind.FIRST);
    float[] got = samples(out);
    // Channels at 1/2 and 2/2 of the tone average to 3/4 of it; the lookahead is held back.
    PolyphaseResampler r = new PolyphaseResampler(44_100, 16_000);
    assertThat(got.length).isEqualTo((int) Math.ceil((44_100 - r.lookahead()) * 16_000 / 44_100.0));
    float[] ideal = tone(1_000, 1.0, 16_000, 0.5 * 0.75);
    assertThat(AudioFixtures.snrDb(ideal, got, 400, got.length)).isGreaterThan(80);
  }

  @Test
  void shouldGiveTheSameSamplesChunkByChunkAsInOnePiece() {
    float[] mono = AudioFixtures.sweep(100, 7_000, 2.0, 44_100, 0.5);
    int chunk = 4_410;
    for (int seq = 0; seq * chunk < mono.length; seq++) {
      n.send(floatChunk("feed-c", seq, 44_100, 1,
          Arrays.copyOfRange(mono, seq * chunk, Math.min(mono.length, (seq + 1) * chunk))));
    }
    List<AudioChunk> out = n.readNormalised();
    assertThat(out).hasSize(20);
    float[] joined = new float[0];
    long expectedStart = AudioFixtures.START_MICROS;
    for (AudioChunk c : out) {
      // Each chunk starts exactly where the previous one ended: no gaps, no overlaps in time.
      assertThat(c.getEventTimeStartMicros()).isEqualTo(expectedStart);
      float[] s = samples(c);
      expectedStart = AudioFixtures.START_MICROS + (joined.length + s.length) * 1_000_000L / 16_000;
      joined = PolyphaseResamplerUnitTest.concat(joined, s);
    }
    PolyphaseResampler r = new PolyphaseResampler(44_100, 16_000);
    float[] onePiece = r.process(r.newState(), mono);
    assertThat(joined).containsExactly(onePiece, within(0f));
  }

  @Test
  void shouldDropADuplicateAndCountIt() {
    float[] s = tone(440, 0.1, 16_000, 0.5);
    n.send(floatChunk("feed-d", 0, 16_000, 1, s));
    n.send(floatChunk("feed-d", 1, 16_000, 1, s));
    n.send(floatChunk("feed-d", 1, 16_000, 1, s));

    assertThat(n.readNormalised()).extracting(AudioChunk::getSequenceNumber).containsExactly(0L, 1L);
    assertThat(n.readDeadLetters()).isEmpty();
    assertThat(n.counters.duplicates()).isEqualTo(1);
  }

  @Test
  void shouldFlagAGapWithTheNumberOfMissingChunks() {
    float[] s = tone(440, 0.1, 16_000, 0.5);
    n.send(floatChunk("feed-e", 0, 16_000, 1, s));
    n.send(floatChunk("feed-e", 3, 16_000, 1, s));

    List<AudioChunk> out = n.readNormalised();
    assertThat(out.get(0).getOrder()).isEqualTo(NormalisedAudio.order(OrderKind.FIRST));
    assertThat(out.get(1).getOrder()).isEqualTo(NormalisedAudio.gap(2));
    assertThat(n.counters.gaps()).isEqualTo(1);
    assertThat(n.counters.missingChunks()).isEqualTo(2);
  }

  @Test
  void shouldDeadLetterAChunkThatArrivesAfterItsGapWasDeclared() {
    float[] s = tone(440, 0.1, 48_000, 0.5);
    n.send(floatChunk("feed-f", 0, 48_000, 1, s));
    n.send(floatChunk("feed-f", 2, 48_000, 1, s));
    n.send(floatChunk("feed-f", 1, 48_000, 1, s));
    n.send(floatChunk("feed-f", 3, 48_000, 1, s));

    // 2 went on as a gap of one chunk; 1 has no place any more; 3 follows 2
    assertThat(n.readNormalised()).extracting(c -> c.getSequenceNumber() + " " + c.getOrder().getKind())
        .containsExactly("0 FIRST", "2 GAP", "3 CONTINUES");
    DeadLetter letter = single(n.readDeadLetters());
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OUT_OF_ORDER);
    assertThat(letter.getMessage()).contains("sequenceNumber 1").contains("after 2");
    assertThat(n.counters.outOfOrder()).isEqualTo(1);
  }

  @Test
  void shouldRestartTheFilterWhenTheFormatChanges() {
    n.send(floatChunk("feed-g", 0, 48_000, 1, tone(440, 0.1, 48_000, 0.5)));
    n.send(floatChunk("feed-g", 1, 44_100, 1, tone(440, 0.1, 44_100, 0.5)));

    // a new input format restarts the filter, but the feed's run goes on
    AudioChunk second = n.readNormalised().get(1);
    assertThat(second.getOrder().getKind()).isEqualTo(OrderKind.CONTINUES);
    assertThat(second.getEventTimeStartMicros()).isEqualTo(AudioFixtures.START_MICROS + 100_000);
  }

  @Test
  void shouldDeadLetterCorruptBytesWithTheOriginalBytesAndCoordinates() {
    n.send(floatChunk("ok", 0, 16_000, 1, new float[160]));
    byte[] garbage = "definitely not avro".getBytes(StandardCharsets.UTF_8);
    n.sendBytes("feed-h".getBytes(StandardCharsets.UTF_8), garbage);

    DeadLetter letter = single(n.readDeadLetters());
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNDECODABLE);
    assertThat(letter.getSourceTopic()).isEqualTo(n.topics.audioRaw.name());
    assertThat(letter.getSourcePartition()).isEqualTo(0);
    assertThat(letter.getSourceOffset()).isEqualTo(1);
    assertThat(ChunkValidator.bytesOf(letter.getOriginalValue())).isEqualTo(garbage);
    assertThat(ChunkValidator.bytesOf(letter.getKey())).isEqualTo("feed-h".getBytes(StandardCharsets.UTF_8));
    assertThat(letter.getMessage()).contains("AudioChunk");
  }

  @Test
  void shouldDeadLetterATombstone() {
    n.sendBytes("feed-i".getBytes(StandardCharsets.UTF_8), null);
    DeadLetter letter = single(n.readDeadLetters());
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNDECODABLE);
    assertThat(letter.getOriginalValue()).isNull();
  }

  @Test
  void shouldDeadLetterAChunkWithoutKey() {
    n.send(null, floatChunk("feed-j", 0, 16_000, 1, new float[160]));
    assertThat(single(n.readDeadLetters()).getReason()).isEqualTo(DeadLetterReason.MISSING_KEY);
  }

  @Test
  void shouldDeadLetterAKeyThatIsNotTheStreamId() {
    n.send("other", floatChunk("feed-k", 0, 16_000, 1, new float[160]));
    DeadLetter letter = single(n.readDeadLetters());
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.KEY_MISMATCH);
    assertThat(letter.getMessage()).contains("other").contains("feed-k");
  }

  @Test
  void shouldDeadLetterAWrongSampleRate() {
    n.send(floatChunk("feed-l", 0, 4_000, 1, new float[400]));
    DeadLetter letter = single(n.readDeadLetters());
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.BAD_SAMPLE_RATE);
    assertThat(letter.getMessage()).contains("4000");
  }

  @Test
  void shouldDeadLetterTooManyChannels() {
    n.send(floatChunk("feed-m", 0, 16_000, 9, new float[9 * 160]));
    assertThat(single(n.readDeadLetters()).getReason()).isEqualTo(DeadLetterReason.BAD_CHANNELS);
  }

  @Test
  void shouldDeadLetterAPartialFrame() {
    n.send(AudioFixtures.chunk("feed-n", 0, 16_000, 2, SampleEncoding.PCM_S16LE, new byte[6]));
    assertThat(single(n.readDeadLetters()).getReason()).isEqualTo(DeadLetterReason.PARTIAL_FRAME);
  }

  @Test
  void shouldDeadLetterAChunkLongerThanTenSeconds() {
    n.send(AudioFixtures.chunk("feed-o", 0, 8_000, 1, SampleEncoding.PCM_S16LE, new byte[2 * 80_008]));
    assertThat(single(n.readDeadLetters()).getReason()).isEqualTo(DeadLetterReason.CHUNK_TOO_LONG);
  }

  @Test
  void shouldDeadLetterNonFiniteSamples() {
    float[] s = new float[160];
    s[17] = Float.NaN;
    n.send(floatChunk("feed-p", 0, 16_000, 1, s));
    DeadLetter letter = single(n.readDeadLetters());
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.NON_FINITE_SAMPLES);
    assertThat(letter.getMessage()).contains("17");
  }

  @Test
  void shouldDeadLetterAnEmptyPayload() {
    n.send(AudioFixtures.chunk("feed-q", 0, 16_000, 1, SampleEncoding.PCM_S16LE, new byte[0]));
    assertThat(single(n.readDeadLetters()).getReason()).isEqualTo(DeadLetterReason.EMPTY_PAYLOAD);
  }

  @Test
  void shouldKeepGoingAfterBadRecords() {
    n.sendBytes("feed-r".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, 0x01, 5});
    n.send(floatChunk("feed-r", 0, 16_000, 1, new float[160]));
    assertThat(n.readDeadLetters()).hasSize(1);
    assertThat(n.readNormalised()).hasSize(1);
  }

  @Test
  void shouldKeepStreamsApart() {
    float[] s = tone(440, 0.1, 16_000, 0.5);
    n.send(floatChunk("x", 0, 16_000, 1, s));
    n.send(floatChunk("y", 5, 16_000, 1, s));
    n.send(floatChunk("x", 1, 16_000, 1, s));
    n.send(floatChunk("y", 6, 16_000, 1, s));
    assertThat(n.readNormalised()).extracting(c -> c.getStreamId() + " " + c.getOrder().getKind())
        .containsExactly("x FIRST", "y FIRST", "x CONTINUES", "y CONTINUES");
    assertThat(n.counters.duplicates()).isZero();
  }

  @Test
  void shouldForgetAStreamThatWentQuietAndKeepAnActiveOne() {
    float[] s = tone(440, 0.1, 16_000, 0.5);
    n.send(floatChunk("quiet", 0, 16_000, 1, s));
    n.send(floatChunk("active", 0, 16_000, 1, s));
    var store = n.driver.<String, StreamState>getKeyValueStore(NormaliserTopology.STATE_STORE);
    assertThat(store.get("quiet")).isNotNull();

    n.advanceWallClock(NormaliserTopology.IDLE_EXPIRY.minusMinutes(5));
    n.send(floatChunk("active", 1, 16_000, 1, s));
    n.advanceWallClock(Duration.ofMinutes(10));

    assertThat(store.get("quiet")).isNull();
    assertThat(store.get("active")).isNotNull();
    n.readNormalised();
    // When it comes back it starts afresh: no gap reported against the forgotten history.
    n.send(floatChunk("quiet", 7, 16_000, 1, s));
    assertThat(n.readNormalised().get(0).getOrder().getKind()).isEqualTo(OrderKind.FIRST);
  }

  /** Every record the normaliser writes must fit, or one input could stop it for good. */
  @Nested
  class WhatItWritesFits {

    @Test
    void shouldTruncateTheDeadLetterOfALargeUndecodableRecordAndKeepItsSizeAndHash() {
      byte[] value = new byte[300 * 1024];
      new Random(7).nextBytes(value);
      n.sendBytes("feed-big".getBytes(StandardCharsets.UTF_8), value);

      DeadLetter letter = single(n.readDeadLetters());
      assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNDECODABLE);
      assertThat(ChunkValidator.bytesOf(letter.getOriginalValue()))
          .isEqualTo(Arrays.copyOf(value, DeadLetters.DEFAULT_MAX_VALUE_BYTES));
      assertThat(letter.getOriginalValueSize()).isEqualTo((long) value.length);
      assertThat(letter.getOriginalValueSha256()).isEqualTo(DeadLetters.sha256(value));
      assertThat(letter.getMessage()).contains("truncated");
    }

    @Test
    void shouldTruncateTheDeadLetterOfAChunkTooLongToNormalise() {
      // 2 MB of PCM (65 s at 16 kHz): valid Avro, refused as too long, too big to copy whole.
      AudioChunk chunk = AudioFixtures.chunk("feed-long", 0, 16_000, 1, SampleEncoding.PCM_S16LE,
          new byte[2_000_000]);
      byte[] value = n.encode(chunk);
      n.sendBytes("feed-long".getBytes(StandardCharsets.UTF_8), value, bigHeaders());

      TestRecord<String, DeadLetter> record = n.deadLetters.readRecord();
      DeadLetter letter = record.value();
      assertThat(letter.getReason()).isEqualTo(DeadLetterReason.CHUNK_TOO_LONG);
      assertThat(letter.getOriginalValue().remaining()).isEqualTo(DeadLetters.DEFAULT_MAX_VALUE_BYTES);
      assertThat(letter.getOriginalValueSize()).isEqualTo((long) value.length);
      assertThat(letter.getOriginalValueSha256()).isEqualTo(DeadLetters.sha256(value));
      assertThat(recordBytes(record.key(), n.topics.deadLetters.valueSerde().serializer()
          .serialize("dl", letter), record.headers())).isLessThan(ONE_MIB);
    }

    @Test
    void shouldKeepWhatTheSettingsAllowOfARefusedValue() {
      try (NormaliserDriver small = new NormaliserDriver(
          NormaliserSettings.defaults().withMaxDeadLetterValueBytes(1_000))) {
        byte[] value = new byte[5_000];
        small.sendBytes("feed-x".getBytes(StandardCharsets.UTF_8), value);
        DeadLetter letter = single(small.readDeadLetters());
        assertThat(letter.getOriginalValue().remaining()).isEqualTo(1_000);
        assertThat(letter.getOriginalValueSize()).isEqualTo(5_000L);
      }
    }

    @Test
    void shouldKeepASmallRefusedValueWhole() {
      byte[] garbage = {1, 2, 3};
      n.sendBytes("feed-y".getBytes(StandardCharsets.UTF_8), garbage);
      DeadLetter letter = single(n.readDeadLetters());
      assertThat(ChunkValidator.bytesOf(letter.getOriginalValue())).isEqualTo(garbage);
      assertThat(letter.getOriginalValueSize()).isEqualTo(3L);
      assertThat(letter.getMessage()).doesNotContain("truncated");
    }

    @Test
    void shouldRefuseHugeHeadersAndWriteTheDeadLetterWithoutThem() {
      RecordHeaders headers = new RecordHeaders();
      headers.add("trace", new byte[ChunkValidator.MAX_HEADER_BYTES + 1]);
      n.sendBytes("feed-h".getBytes(StandardCharsets.UTF_8),
          n.encode(floatChunk("feed-h", 0, 16_000, 1, new float[160])), headers);

      TestRecord<String, DeadLetter> record = n.deadLetters.readRecord();
      assertThat(record.value().getReason()).isEqualTo(DeadLetterReason.OTHER);
      assertThat(record.value().getMessage()).contains("headers");
      assertThat(record.headers().toArray()).isEmpty();
      assertThat(n.readNormalised()).isEmpty();
    }

    @Test
    void shouldRefuseAStreamIdTooLongToCarryAndCutTheDeadLetterKey() {
      String id = "f".repeat(ChunkValidator.MAX_STREAM_ID_BYTES + 1);
      n.send(floatChunk(id, 0, 16_000, 1, new float[160]));

      TestRecord<String, DeadLetter> record = n.deadLetters.readRecord();
      assertThat(record.value().getReason()).isEqualTo(DeadLetterReason.OTHER);
      assertThat(record.value().getMessage()).contains("stream ids are at most");
      assertThat(record.key()).hasSize(ChunkValidator.MAX_STREAM_ID_BYTES);
    }

    @Test
    void shouldRefuseSourceMetadataTooLargeToCarry() {
      AudioChunk chunk = floatChunk("feed-m", 0, 16_000, 1, new float[160]);
      chunk.setSourceMetadata(Map.of("note", "x".repeat(ChunkValidator.MAX_METADATA_BYTES)));
      n.send(chunk);
      DeadLetter letter = single(n.readDeadLetters());
      assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OTHER);
      assertThat(letter.getMessage()).contains("sourceMetadata");
    }

    @Test
    void shouldKeepTheLargestValidChunkUnderOneMebibyteOnceNormalised() {
      // Everything at its limit: the longest id, 10 s upsampled to 16 kHz, full metadata, headers.
      String id = "s".repeat(ChunkValidator.MAX_STREAM_ID_BYTES);
      AudioChunk chunk = AudioFixtures.chunk(id, 0, 8_000, 1, SampleEncoding.PCM_S16LE,
          SampleCodec.encodeS16(tone(440, ChunkValidator.MAX_CHUNK_SECONDS, 8_000, 0.5)));
      chunk.setSourceMetadata(Map.of("note", "x".repeat(ChunkValidator.MAX_METADATA_BYTES - 4)));
      n.sendBytes(id.getBytes(StandardCharsets.UTF_8), n.encode(chunk), bigHeaders());

      TestRecord<String, AudioChunk> out = n.normalised.readRecord();
      byte[] value = n.topics.audioNormalised.valueSerde().serializer().serialize("n", out.value());
      assertThat(recordBytes(out.key(), value, out.headers())).isLessThan(ONE_MIB);
    }

    static final int ONE_MIB = 1024 * 1024;

    /** Headers of exactly the largest size accepted. */
    static RecordHeaders bigHeaders() {
      RecordHeaders headers = new RecordHeaders();
      headers.add("h", new byte[ChunkValidator.MAX_HEADER_BYTES - 1]);
      return headers;
    }

    /** What counts towards the producer's max.request.size, give or take a few bytes of framing. */
    static long recordBytes(String key, byte[] value, Headers headers) {
      return (key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length) + value.length
          + NormaliserTopology.headerBytes(headers);
    }
  }

  @Nested
  class EventTimes {

    @Test
    void shouldDeadLetterANegativeEventTime() {
      n.send(at(floatChunk("feed-t", 0, 16_000, 1, new float[160]), -1));
      DeadLetter letter = single(n.readDeadLetters());
      assertThat(letter.getReason()).isEqualTo(DeadLetterReason.BAD_EVENT_TIME);
      assertThat(letter.getMessage()).contains("before the epoch");
    }

    @Test
    void shouldDeadLetterAnEventTimeTenYearsAhead() {
      n.send(at(floatChunk("feed-t", 0, 16_000, 1, new float[160]),
          n.nowMicros() + Duration.ofDays(3_653).toNanos() / 1_000));
      assertThat(single(n.readDeadLetters()).getReason()).isEqualTo(DeadLetterReason.BAD_EVENT_TIME);
      assertThat(n.readNormalised()).isEmpty();
    }

    @Test
    void shouldAcceptUpToTheSkewAheadOfTheWallClockAndNoMore() {
      long hour = Duration.ofHours(1).toNanos() / 1_000;
      n.send(at(floatChunk("feed-u", 0, 16_000, 1, new float[160]), n.nowMicros() + hour - 1_000_000));
      n.send(at(floatChunk("feed-v", 0, 16_000, 1, new float[160]), n.nowMicros() + hour + 1_000_000));
      assertThat(n.readNormalised()).extracting(AudioChunk::getStreamId).containsExactly("feed-u");
      assertThat(single(n.readDeadLetters()).getMessage()).contains("ahead of the clock");
    }

    @Test
    void shouldJudgeEventTimesByTheWallClockOfTheProcessor() {
      long ninetyMinutes = Duration.ofMinutes(90).toNanos() / 1_000;
      long eventTime = n.nowMicros() + ninetyMinutes;
      n.send(at(floatChunk("feed-w", 0, 16_000, 1, new float[160]), eventTime));
      n.advanceWallClock(Duration.ofHours(1));
      n.send(at(floatChunk("feed-w", 0, 16_000, 1, new float[160]), eventTime));
      assertThat(n.readDeadLetters()).hasSize(1);
      assertThat(n.readNormalised()).hasSize(1);
    }

    @Test
    void shouldAllowTheSkewTheSettingsGive() {
      try (NormaliserDriver lenient = new NormaliserDriver(
          NormaliserSettings.defaults().withMaxEventTimeAhead(Duration.ofHours(3)))) {
        lenient.send(at(floatChunk("feed-z", 0, 16_000, 1, new float[160]),
            lenient.nowMicros() + Duration.ofHours(2).toNanos() / 1_000));
        assertThat(lenient.readNormalised()).hasSize(1);
        assertThat(lenient.readDeadLetters()).isEmpty();
      }
    }
  }

  @Nested
  class Sequences {

    final float[] mono = AudioFixtures.sweep(100, 7_000, 1.5, 44_100, 0.5);

    /** Chunk {@code seq} of a 44.1 kHz feed cut into 100 ms pieces of {@link #mono}. */
    AudioChunk piece(String id, long seq) {
      int from = (int) (seq % 15) * 4_410;
      return floatChunk(id, seq, 44_100, 1, Arrays.copyOfRange(mono, from, from + 4_410));
    }

    @Test
    void shouldDeadLetterANegativeSequenceNumber() {
      n.send(floatChunk("feed-n", -3, 16_000, 1, new float[160]));
      assertThat(single(n.readDeadLetters()).getReason()).isEqualTo(DeadLetterReason.BAD_SEQUENCE);
    }

    @Test
    void shouldRefuseHugeSequenceNumbersAndGoOnWithTheFeedsRealNextChunk() {
      for (long seq = 0; seq < 5; seq++) {
        n.send(piece("feed-s", seq));
      }
      var store = n.driver.<String, StreamState>getKeyValueStore(NormaliserTopology.STATE_STORE);
      StreamState before = store.get("feed-s");
      AudioChunk next = piece("feed-s", 5);
      for (long bogus : new long[] {Long.MAX_VALUE, 1L << 40, 5 + 10 * SequenceTracker.WINDOW}) {
        AudioChunk liar = AudioChunk.newBuilder(next).setSequenceNumber(bogus).build();
        n.send(liar);
      }
      n.send(next);

      List<DeadLetter> letters = n.readDeadLetters();
      assertThat(letters).hasSize(3).allSatisfy(l -> {
        assertThat(l.getReason()).isEqualTo(DeadLetterReason.BAD_SEQUENCE);
        assertThat(l.getMessage()).contains("chunks past the stream's highest 4");
      });
      StreamState after = store.get("feed-s");
      assertThat(after.sequence().highest()).isEqualTo(5);
      assertThat(after.sequence().duplicates()).isEqualTo(before.sequence().duplicates());

      // The real chunk 5 follows on as if the liars never came: same samples as an untouched run.
      List<AudioChunk> out = n.readNormalised();
      assertThat(out).extracting(AudioChunk::getSequenceNumber).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
      assertThat(out.get(5).getOrder().getKind()).isEqualTo(OrderKind.CONTINUES);
      try (NormaliserDriver clean = new NormaliserDriver()) {
        for (long seq = 0; seq <= 5; seq++) {
          clean.send(piece("feed-s", seq));
        }
        List<AudioChunk> expected = clean.readNormalised();
        assertThat(samples(out.get(5))).containsExactly(samples(expected.get(5)), within(0f));
      }
    }

    @Test
    void shouldNotLetAHugeNumberOnANewFeedCaptureIt() {
      // Nothing to judge the first chunk by, so it is taken; the feed's real chunks win it back.
      n.send(AudioChunk.newBuilder(piece("feed-new", 4)).setSequenceNumber(Long.MAX_VALUE).build());
      for (long seq = 5; seq < 8; seq++) {
        n.send(piece("feed-new", seq));
      }
      List<AudioChunk> out = n.readNormalised();
      assertThat(out).extracting(AudioChunk::getSequenceNumber)
          .containsExactly(Long.MAX_VALUE, 5L, 6L, 7L);
      assertThat(out.get(1).getOrder().getKind()).isEqualTo(OrderKind.RESTART);
      assertThat(out.get(2).getOrder().getKind()).isEqualTo(OrderKind.CONTINUES);
    }

    @Test
    void shouldKeepAPlausibleLongOutageAGap() {
      n.send(piece("feed-o", 0));
      // Offline ten minutes: 6 000 chunks later, with the event time ten minutes on.
      n.send(piece("feed-o", 6_000));
      List<AudioChunk> out = n.readNormalised();
      assertThat(out).hasSize(2);
      assertThat(out.get(1).getOrder()).isEqualTo(NormalisedAudio.gap(5_999));
      assertThat(n.readDeadLetters()).isEmpty();
    }

    @Test
    void shouldStillDropATrueRepeatWithItsOriginalEventTime() {
      for (long seq = 0; seq < 100; seq++) {
        n.send(piece("feed-r", seq));
      }
      n.send(piece("feed-r", 99)); // producer retry of the latest chunk
      n.send(piece("feed-r", 60)); // and of one well inside the window
      assertThat(n.readNormalised()).hasSize(100);
      assertThat(n.counters.duplicates()).isEqualTo(2);
      assertThat(n.readDeadLetters()).isEmpty();
    }

    @ParameterizedTest(name = "{0} chunks")
    @ValueSource(ints = {10, 100})
    void shouldNormaliseTheSameFileIngestedTwiceUnderTheSameStreamId(int chunks) {
      for (long seq = 0; seq < chunks; seq++) {
        n.send(piece("feed-f", seq));
      }
      List<AudioChunk> first = n.readNormalised();
      assertThat(first).hasSize(chunks);

      // Ingested again a minute after the first pass ended: numbers from 0, event times new.
      long later = chunks * 100_000L + Duration.ofMinutes(1).toNanos() / 1_000;
      for (long seq = 0; seq < chunks; seq++) {
        AudioChunk c = piece("feed-f", seq);
        n.send(at(c, c.getEventTimeStartMicros() + later));
      }

      List<AudioChunk> second = n.readNormalised();
      assertThat(second).extracting(AudioChunk::getSequenceNumber)
          .containsExactlyElementsOf(first.stream().map(AudioChunk::getSequenceNumber).toList());
      assertThat(second.get(0).getOrder().getKind()).isEqualTo(OrderKind.RESTART);
      assertThat(second.get(0).getEventTimeStartMicros()).isEqualTo(AudioFixtures.START_MICROS + later);
      assertThat(second.subList(1, chunks)).allSatisfy(c ->
          assertThat(c.getOrder().getKind()).isEqualTo(OrderKind.CONTINUES));
      // The old filter history was dropped: the second pass gives the first pass's samples.
      for (int i = 0; i < chunks; i++) {
        assertThat(samples(second.get(i))).as("chunk %d", i)
            .containsExactly(samples(first.get(i)), within(0f));
      }
      assertThat(n.counters.duplicates()).isZero();
      assertThat(n.readDeadLetters()).isEmpty();
    }
  }

  /** The same chunk with another event time. */
  static AudioChunk at(AudioChunk chunk, long eventTimeMicros) {
    return AudioChunk.newBuilder(chunk).setEventTimeStartMicros(eventTimeMicros).build();
  }

  static DeadLetter single(List<DeadLetter> letters) {
    assertThat(letters).hasSize(1);
    return letters.get(0);
  }

  static ByteBuffer buffer(byte[] b) {
    return ByteBuffer.wrap(b);
  }
}
