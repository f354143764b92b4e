package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import java.nio.ByteBuffer;
import io.elasticast.schemas.SampleEncoding;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ChunkGateHarnessTest {

  static final long NOW_MILLIS = ChunkFixtures.T0_MICROS / 1000 + 10_000;
  static final ChunkAdmission ADMISSION = ChunkAdmission.defaults();

  static SourcedChunk at(AudioChunk chunk, int partition, long offset) {
    SourcedChunk s = SourcedChunk.of(chunk);
    s.topic = "audio.normalised";
    s.partition = partition;
    s.offset = offset;
    return s;
  }

  static SourcedChunk undecodable(byte[] value, long offset) {
    SourcedChunk s = new SourcedChunk();
    s.topic = "audio.normalised";
    s.partition = 1;
    s.offset = offset;
    s.value = value;
    s.rejectReason = DeadLetterReason.UNDECODABLE;
    s.rejectMessage = "Unrecognized header bytes";
    return s;
  }

  @Test
  void shouldDeadLetterEveryKindOfBadRecordWithItsCoordinatesAndPassGoodOnes() throws Exception {
    AudioChunk good = ChunkFixtures.chunk("feed-a", 0, ChunkFixtures.T0_MICROS, new float[1_600]);
    AudioChunk future = ChunkFixtures.chunk("feed-a", 1,
        (NOW_MILLIS + Duration.ofDays(3650).toMillis()) * 1000, new float[1_600]);
    AudioChunk negative = ChunkFixtures.chunk("feed-a", 2, -5, new float[1_600]);
    AudioChunk tooLong = ChunkFixtures.chunk("feed-a", 3, ChunkFixtures.T0_MICROS, new float[16_000 * 11]);
    AudioChunk hugeSeq = ChunkFixtures.chunk("feed-a", Long.MAX_VALUE, ChunkFixtures.T0_MICROS, new float[1_600]);
    SourcedChunk wrongKey = at(good, 0, 7);
    wrongKey.key = "feed-b".getBytes(StandardCharsets.UTF_8);
    List<SourcedChunk> bad = List.of(undecodable(new byte[] {1, 2, 3}, 3), undecodable(null, 4),
        wrongKey, at(future, 0, 8), at(negative, 0, 9), at(tooLong, 0, 10), at(hugeSeq, 0, 11));

    try (OneInputStreamOperatorTestHarness<SourcedChunk, FeedChunk> harness =
        ProcessFunctionTestHarnesses.forProcessFunction(new ChunkGate(ADMISSION, 1_000))) {
      harness.setProcessingTime(NOW_MILLIS);
      for (SourcedChunk s : bad) {
        harness.processElement(s, Long.MIN_VALUE);
      }
      harness.processElement(at(good, 2, 12), ChunkFixtures.millis(good));

      List<DeadLetter> letters = harness.getSideOutput(ChunkGate.REJECTED).stream()
          .map(StreamRecord::getValue).toList();
      assertThat(letters).extracting(DeadLetter::getReason).containsExactly(
          DeadLetterReason.UNDECODABLE, DeadLetterReason.UNDECODABLE, DeadLetterReason.KEY_MISMATCH,
          DeadLetterReason.BAD_EVENT_TIME, DeadLetterReason.BAD_EVENT_TIME,
          DeadLetterReason.CHUNK_TOO_LONG, DeadLetterReason.BAD_SEQUENCE);
      assertThat(letters).extracting(DeadLetter::getSourceOffset)
          .containsExactly(3L, 4L, 7L, 8L, 9L, 10L, 11L);
      assertThat(letters).allSatisfy(d -> {
        assertThat(d.getSourceTopic()).isEqualTo("audio.normalised");
        assertThat(d.getMessage()).isNotBlank();
      });
      assertThat(letters.get(0).getOriginalValueSize()).isEqualTo(3L);
      // the 11 s chunk is 704 KB of samples: kept to the limit, with its size and hash
      DeadLetter longOne = letters.get(5);
      assertThat(longOne.getOriginalValue().remaining()).isEqualTo(1_000);
      assertThat(longOne.getOriginalValueSize()).isGreaterThan(700_000L);
      assertThat(longOne.getMessage()).contains("truncated");

      List<FeedChunk> passed = harness.extractOutputValues();
      assertThat(passed).singleElement().satisfies(c -> {
        assertThat(c.samples).hasSize(1_600);
        assertThat(c.streamId).isEqualTo("feed-a");
        assertThat(c.sequenceNumber).isZero();
        assertThat(c.startMicros).isEqualTo(ChunkFixtures.T0_MICROS);
      });
    }
  }

  @Test
  void shouldDeadLetterChunksThatAreNotNormalised() throws Exception {
    AudioChunk good = ChunkFixtures.chunk("feed-a", 0, ChunkFixtures.T0_MICROS, new float[1_600]);
    AudioChunk stereo = ChunkFixtures.withPayload(good, 16_000, 2, SampleEncoding.FLOAT32LE, good.getPayload());
    AudioChunk pcm = ChunkFixtures.withPayload(good, 16_000, 1, SampleEncoding.PCM_S16LE, good.getPayload());
    AudioChunk rate = ChunkFixtures.withPayload(good, 44_100, 1, SampleEncoding.FLOAT32LE, good.getPayload());
    AudioChunk ragged = ChunkFixtures.withPayload(good, 16_000, 1, SampleEncoding.FLOAT32LE, ByteBuffer.allocate(7));
    AudioChunk nan = ChunkFixtures.chunk("feed-a", 0, ChunkFixtures.T0_MICROS, new float[] {0f, Float.NaN});
    try (OneInputStreamOperatorTestHarness<SourcedChunk, FeedChunk> harness =
        ProcessFunctionTestHarnesses.forProcessFunction(new ChunkGate(ADMISSION, 1_000))) {
      harness.setProcessingTime(NOW_MILLIS);
      long offset = 0;
      for (AudioChunk c : List.of(stereo, pcm, rate, ragged, nan, good)) {
        harness.processElement(at(c, 0, offset++), ChunkFixtures.millis(c));
      }
      assertThat(harness.getSideOutput(ChunkGate.REJECTED)).extracting(StreamRecord::getValue)
          .extracting(DeadLetter::getReason).containsExactly(DeadLetterReason.BAD_CHANNELS,
              DeadLetterReason.UNKNOWN_ENCODING, DeadLetterReason.BAD_SAMPLE_RATE,
              DeadLetterReason.PARTIAL_FRAME, DeadLetterReason.NON_FINITE_SAMPLES);
      assertThat(harness.getSideOutput(ChunkGate.REJECTED)).extracting(StreamRecord::getValue)
          .allSatisfy(d -> assertThat(d.getMessage()).contains("feed-a"));
      assertThat(harness.extractOutputValues()).singleElement()
          .satisfies(c -> assertThat(c.samples).hasSize(1_600));
    }
  }

  @Test
  void shouldNotLetRefusedRecordsMoveTheWatermark() {
    SourcedChunk refused = undecodable(new byte[] {0}, 1);
    assertThat(refused.eventTimeMillis()).isEqualTo(Long.MIN_VALUE);
    AudioChunk good = ChunkFixtures.chunk("feed-a", 0, ChunkFixtures.T0_MICROS, new float[16]);
    assertThat(SourcedChunk.of(good).eventTimeMillis()).isEqualTo(ChunkFixtures.T0_MICROS / 1000);
  }
}
