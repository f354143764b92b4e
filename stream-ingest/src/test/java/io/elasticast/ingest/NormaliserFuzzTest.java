package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.OrderKind;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.DeadLetters;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Ten thousand seeded records, good and bad mixed (corrupt bytes, broken rules, bad event times,
 * absurd sequence numbers, restarted feeds, values too large to dead-letter whole), through the
 * whole topology: nothing may crash, every input must end up normalised, dead-lettered or counted
 * as a duplicate, and every dead letter must say how large the refused value was.
 */
class NormaliserFuzzTest {

  static final int RECORDS = 10_000;
  static final int STREAMS = 25;
  static final int[] RATES = {8_000, 11_025, 16_000, 22_050, 44_100, 48_000, 96_000};

  @Test
  void shouldAccountForEveryInputWithoutCrashing() {
    Random random = new Random(Long.getLong("fuzz.seed", 20260101L)); // -Dfuzz.seed=... for others
    long[] nextSeq = new long[STREAMS];
    long[] timeOffset = new long[STREAMS]; // moves on at each restart of the stream
    try (NormaliserDriver n = new NormaliserDriver()) {
      int normalisedOut = 0;
      int restarts = 0;
      Map<Long, DeadLetter> deadLetters = new HashMap<>();
      Integer[] sentSizes = new Integer[RECORDS]; // by offset; null for a tombstone
      for (int i = 0; i < RECORDS; i++) {
        int stream = random.nextInt(STREAMS);
        String id = "fuzz-" + stream;
        long seq = nextSequence(random, nextSeq, timeOffset, stream);
        AudioChunk good = goodChunk(random, id, seq, stream, timeOffset[stream]);
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        byte[] value = n.encode(good);
        switch (random.nextInt(12)) {
          case 0 -> value = flipBits(random, value);
          case 1 -> value = java.util.Arrays.copyOf(value, random.nextInt(value.length));
          case 2 -> { random.nextBytes(value); }
          case 3 -> key = random.nextBoolean() ? null : "someone-else".getBytes(StandardCharsets.UTF_8);
          case 4 -> value = random.nextBoolean() ? null : n.encode(mutate(random, good));
          case 5 -> {
            if (random.nextInt(25) == 0) { // now and then garbage larger than a dead letter keeps
              value = new byte[DeadLetters.DEFAULT_MAX_VALUE_BYTES + 1 + random.nextInt(1 << 16)];
              random.nextBytes(value);
            }
          }
          default -> { }
        }
        sentSizes[i] = value == null ? null : value.length;
        n.sendBytes(key, value);

        // Drain as we go so the output topics stay small.
        for (AudioChunk out : n.readNormalised()) {
          normalisedOut++;
          assertThat(out.getSampleRate()).isEqualTo(16_000);
          assertThat(out.getChannels()).isEqualTo(1);
          assertThat(out.getEncoding()).isEqualTo(SampleEncoding.FLOAT32LE);
          assertThat(SampleCodec.firstNonFinite(ChunkValidator.bytesOf(out.getPayload()))).isEqualTo(-1);
          if (out.getOrder().getKind() == OrderKind.RESTART) {
            restarts++;
          }
        }
        for (DeadLetter letter : n.readDeadLetters()) {
          assertThat(deadLetters.put(letter.getSourceOffset(), letter)).isNull();
          Integer size = sentSizes[(int) letter.getSourceOffset()];
          assertThat(letter.getOriginalValueSize()).isEqualTo(size == null ? null : (long) size);
          if (size != null) {
            assertThat(letter.getOriginalValue().remaining())
                .isEqualTo(Math.min(size, DeadLetters.DEFAULT_MAX_VALUE_BYTES));
          }
        }
      }
      assertThat(normalisedOut + deadLetters.size() + n.counters.duplicates()).isEqualTo(RECORDS);
      assertThat(n.counters.total()).isEqualTo(RECORDS);
      // The mix really exercised every path.
      assertThat(normalisedOut).isGreaterThan(RECORDS / 3);
      assertThat(deadLetters.size()).isGreaterThan(RECORDS / 4);
      assertThat(n.counters.duplicates()).isGreaterThan(50);
      assertThat(restarts).isGreaterThan(50);
      assertThat(deadLetters.values()).filteredOn(l -> l.getMessage().contains("truncated")).isNotEmpty();
      for (DeadLetterReason reason : List.of(DeadLetterReason.BAD_EVENT_TIME,
          DeadLetterReason.BAD_SEQUENCE, DeadLetterReason.KEY_MISMATCH, DeadLetterReason.UNDECODABLE)) {
        assertThat(n.counters.deadLetters(reason)).as(reason.name()).isPositive();
      }
    }
  }

  /** Mostly in order, sometimes repeated, skipped ahead, late, or started over. */
  static long nextSequence(Random random, long[] next, long[] timeOffset, int stream) {
    int roll = random.nextInt(20);
    long seq;
    if (roll == 0 && next[stream] > 0) {
      seq = next[stream] - 1; // repeat
    } else if (roll == 1 && next[stream] > 3) {
      seq = next[stream] - 3; // late or repeat, depending on what came before
    } else if (roll == 2) {
      seq = next[stream] + 1 + random.nextInt(3); // gap
      next[stream] = seq + 1;
    } else if (roll == 3 && random.nextInt(4) == 0 && next[stream] > 0) {
      // The producer starts the feed over: numbers from 0, event time a second past the last chunk.
      timeOffset[stream] += next[stream] * AudioFixtures.CHUNK_MICROS + 1_000_000;
      next[stream] = 1;
      seq = 0;
    } else {
      seq = next[stream]++;
    }
    return seq;
  }

  static AudioChunk goodChunk(Random random, String id, long seq, int stream, long timeOffset) {
    int rate = RATES[stream % RATES.length];
    int channels = 1 + stream % 3;
    int frames = 1 + random.nextInt(rate / 50); // up to 20 ms keeps the test quick
    float[] samples = AudioFixtures.noise(random.nextLong(), frames * channels, 0.8);
    boolean floats = random.nextBoolean();
    AudioChunk chunk = AudioFixtures.chunk(id, seq, rate, channels,
        floats ? SampleEncoding.FLOAT32LE : SampleEncoding.PCM_S16LE,
        floats ? SampleCodec.encodeFloat32(samples) : SampleCodec.encodeS16(samples));
    chunk.setEventTimeStartMicros(chunk.getEventTimeStartMicros() + timeOffset);
    return chunk;
  }

  /** A decodable chunk that breaks one rule (or, by chance, none). */
  static AudioChunk mutate(Random random, AudioChunk good) {
    AudioChunk bad = AudioChunk.newBuilder(good).build();
    byte[] payload = ChunkValidator.bytesOf(good.getPayload());
    switch (random.nextInt(9)) {
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
      case 6 -> bad.setEventTimeStartMicros(random.nextBoolean()
          ? -1 - random.nextInt(1_000_000)
          : NormaliserDriver.WALL_CLOCK_START.toEpochMilli() * 1_000L
              + Duration.ofHours(1).plusSeconds(1 + random.nextInt(400_000_000)).toNanos() / 1_000);
      case 7 -> bad.setSequenceNumber(random.nextBoolean()
          ? Long.MAX_VALUE - random.nextInt(1_000)
          : good.getSequenceNumber() + SequenceTracker.WINDOW + 1 + random.nextInt(1 << 30));
      default -> {
        bad.setSampleRate(8_000);
        bad.setChannels(1);
        bad.setEncoding(SampleEncoding.PCM_S16LE);
        bad.setPayload(ByteBuffer.allocate(2 * 80_001));
      }
    }
    return bad;
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
