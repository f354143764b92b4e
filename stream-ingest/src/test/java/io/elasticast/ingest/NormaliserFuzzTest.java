package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Ten thousand seeded records, good and bad mixed, through the whole topology: nothing may crash,
 * and every input must end up normalised, dead-lettered or counted as a duplicate.
 */
class NormaliserFuzzTest {

  static final int RECORDS = 10_000;
  static final int STREAMS = 25;
  static final int[] RATES = {8_000, 11_025, 16_000, 22_050, 44_100, 48_000, 96_000};

  @Test
  void shouldAccountForEveryInputWithoutCrashing() {
    Random random = new Random(20260101L);
    long[] nextSeq = new long[STREAMS];
    try (NormaliserDriver n = new NormaliserDriver()) {
      int normalisedOut = 0;
      Set<Long> deadLetterOffsets = new HashSet<>();
      for (int i = 0; i < RECORDS; i++) {
        int stream = random.nextInt(STREAMS);
        String id = "fuzz-" + stream;
        long seq = nextSequence(random, nextSeq, stream);
        AudioChunk good = goodChunk(random, id, seq, stream);
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        byte[] value = n.topics.audioRaw.valueSerde().serializer().serialize("raw", good);
        switch (random.nextInt(12)) {
          case 0 -> value = flipBits(random, value);
          case 1 -> value = java.util.Arrays.copyOf(value, random.nextInt(value.length));
          case 2 -> { random.nextBytes(value); }
          case 3 -> key = random.nextBoolean() ? null : "someone-else".getBytes(StandardCharsets.UTF_8);
          case 4 -> value = random.nextBoolean() ? null : reencode(n, mutate(random, good));
          default -> { }
        }
        n.sendBytes(key, value);

        // Drain as we go so the output topics stay small.
        for (AudioChunk out : n.readNormalised()) {
          normalisedOut++;
          assertThat(out.getSampleRate()).isEqualTo(16_000);
          assertThat(out.getChannels()).isEqualTo(1);
          assertThat(out.getEncoding()).isEqualTo(SampleEncoding.FLOAT32LE);
          assertThat(SampleCodec.firstNonFinite(ChunkValidator.bytesOf(out.getPayload()))).isEqualTo(-1);
        }
        List<DeadLetter> letters = n.readDeadLetters();
        for (DeadLetter letter : letters) {
          assertThat(deadLetterOffsets.add(letter.getSourceOffset())).isTrue();
        }
      }
      assertThat(normalisedOut + deadLetterOffsets.size() + n.counters.duplicates()).isEqualTo(RECORDS);
      assertThat(n.counters.total()).isEqualTo(RECORDS);
      // The mix really exercised every path.
      assertThat(normalisedOut).isGreaterThan(RECORDS / 3);
      assertThat(deadLetterOffsets.size()).isGreaterThan(RECORDS / 4);
      assertThat(n.counters.duplicates()).isGreaterThan(50);
    }
  }

  /** Mostly in order, sometimes repeated, skipped ahead or late. */
  static long nextSequence(Random random, long[] next, int stream) {
    int roll = random.nextInt(20);
    long seq;
    if (roll == 0 && next[stream] > 0) {
      seq = next[stream] - 1; // repeat
    } else if (roll == 1 && next[stream] > 3) {
      seq = next[stream] - 3; // late or repeat, depending on what came before
    } else if (roll == 2) {
      seq = next[stream] + 1 + random.nextInt(3); // gap
      next[stream] = seq + 1;
    } else {
      seq = next[stream]++;
    }
    return seq;
  }

  static AudioChunk goodChunk(Random random, String id, long seq, int stream) {
    int rate = RATES[stream % RATES.length];
    int channels = 1 + stream % 3;
    int frames = 1 + random.nextInt(rate / 50); // up to 20 ms keeps the test quick
    float[] samples = AudioFixtures.noise(random.nextLong(), frames * channels, 0.8);
    boolean floats = random.nextBoolean();
    return AudioFixtures.chunk(id, seq, rate, channels,
        floats ? SampleEncoding.FLOAT32LE : SampleEncoding.PCM_S16LE,
        floats ? SampleCodec.encodeFloat32(samples) : SampleCodec.encodeS16(samples));
  }

  /** A decodable chunk that breaks one rule (or, by chance, none). */
  static AudioChunk mutate(Random random, AudioChunk good) {
    AudioChunk bad = AudioChunk.newBuilder(good).build();
    byte[] payload = ChunkValidator.bytesOf(good.getPayload());
    switch (random.nextInt(7)) {
      case 0 -> bad.setSampleRate(random.nextBoolean() ? random.nextInt(8_000) : 192_001 + random.nextInt(1_000_000));
      case 1 -> bad.setChannels(random.nextBoolean() ? -random.nextInt(3) : 9 + random.nextInt(100));
      case 2 -> bad.setPayload(ByteBuffer.wrap(java.util.Arrays.copyOf(payload, payload.length + 1)));
      case 3 -> bad.setPayload(ByteBuffer.allocate(0));
      case 4 -> {
        ByteBuffer nan = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        nan.putFloat(Float.POSITIVE_INFINITY).putFloat(Float.NaN);
        bad.setEncoding(SampleEncoding.FLOAT32LE);
        bad.setChannels(1);
        bad.setPayload(ByteBuffer.wrap(nan.array()));
      }
      case 5 -> bad.setSequenceNumber(-1 - random.nextInt(5));
      default -> {
        bad.setSampleRate(8_000);
        bad.setChannels(1);
        bad.setEncoding(SampleEncoding.PCM_S16LE);
        bad.setPayload(ByteBuffer.allocate(2 * 80_001));
      }
    }
    return bad;
  }

  static byte[] reencode(NormaliserDriver n, AudioChunk chunk) {
    return n.topics.audioRaw.valueSerde().serializer().serialize("raw", chunk);
  }

  static byte[] flipBits(Random random, byte[] value) {
    byte[] out = value.clone();
    int flips = 1 + random.nextInt(4);
    for (int i = 0; i < flips; i++) {
      out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
    }
    return out;
  }
}
