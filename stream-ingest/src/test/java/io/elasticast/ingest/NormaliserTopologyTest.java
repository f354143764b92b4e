package io.elasticast.ingest;

import static io.elasticast.ingest.AudioFixtures.floatChunk;
import static io.elasticast.ingest.AudioFixtures.tone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
    assertThat(out.getSourceMetadata()).containsEntry(NormalisedMetadata.INPUT_SAMPLE_RATE, "44100")
        .containsEntry(NormalisedMetadata.INPUT_CHANNELS, "2");
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
    assertThat(out.get(0).getSourceMetadata()).doesNotContainKey(NormalisedMetadata.GAP_BEFORE);
    assertThat(out.get(1).getSourceMetadata()).containsEntry(NormalisedMetadata.GAP_BEFORE, "2")
        .containsEntry(NormalisedMetadata.RESAMPLER_RESET, "gap");
  }

  @Test
  void shouldFlagALateChunkAsOutOfOrderAndKeepItsOwnTime() {
    float[] s = tone(440, 0.1, 48_000, 0.5);
    n.send(floatChunk("feed-f", 0, 48_000, 1, s));
    n.send(floatChunk("feed-f", 2, 48_000, 1, s));
    AudioChunk late = floatChunk("feed-f", 1, 48_000, 1, s);
    n.send(late);

    List<AudioChunk> out = n.readNormalised();
    assertThat(out).hasSize(3);
    AudioChunk flagged = out.get(2);
    assertThat(flagged.getSequenceNumber()).isEqualTo(1);
    assertThat(flagged.getSourceMetadata()).containsEntry(NormalisedMetadata.OUT_OF_ORDER, "true");
    assertThat(flagged.getEventTimeStartMicros()).isEqualTo(late.getEventTimeStartMicros());
    assertThat(samples(flagged)).hasSize(1_600);
  }

  @Test
  void shouldRestartTheFilterWhenTheFormatChanges() {
    n.send(floatChunk("feed-g", 0, 48_000, 1, tone(440, 0.1, 48_000, 0.5)));
    n.send(floatChunk("feed-g", 1, 44_100, 1, tone(440, 0.1, 44_100, 0.5)));

    assertThat(n.readNormalised().get(1).getSourceMetadata())
        .containsEntry(NormalisedMetadata.RESAMPLER_RESET, "format");
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
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.OTHER);
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
    assertThat(n.readNormalised()).allSatisfy(c -> assertThat(c.getSourceMetadata())
        .doesNotContainKeys(NormalisedMetadata.GAP_BEFORE, NormalisedMetadata.OUT_OF_ORDER));
    assertThat(n.counters.duplicates()).isZero();
  }

  @Test
  void shouldForgetAStreamThatWentQuietAndKeepAnActiveOne() {
    float[] s = tone(440, 0.1, 16_000, 0.5);
    n.send(floatChunk("quiet", 0, 16_000, 1, s));
    n.send(floatChunk("active", 0, 16_000, 1, s));
    var store = n.driver.<String, StreamState>getKeyValueStore(NormaliserTopology.STATE_STORE);
    assertThat(store.get("quiet")).isNotNull();

    n.driver.advanceWallClockTime(NormaliserTopology.IDLE_EXPIRY.minusMinutes(5));
    n.send(floatChunk("active", 1, 16_000, 1, s));
    n.driver.advanceWallClockTime(java.time.Duration.ofMinutes(10));

    assertThat(store.get("quiet")).isNull();
    assertThat(store.get("active")).isNotNull();
    n.readNormalised();
    // When it comes back it starts afresh: no gap reported against the forgotten history.
    n.send(floatChunk("quiet", 7, 16_000, 1, s));
    assertThat(n.readNormalised().get(0).getSourceMetadata()).doesNotContainKey(NormalisedMetadata.GAP_BEFORE);
  }

  static DeadLetter single(List<DeadLetter> letters) {
    assertThat(letters).hasSize(1);
    return letters.get(0);
  }

  static ByteBuffer buffer(byte[] b) {
    return ByteBuffer.wrap(b);
  }
}
