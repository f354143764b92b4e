package io.elasticast.app;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded, readable audio test data. */
final class AudioFixtures {

  static final long START_MICROS = 1_764_158_400_000_000L;
  static final int RATE = 16_000;

  private AudioFixtures() {}

  /** {@code count} contiguous 100 ms chunks of seeded noise for one feed, as FLOAT32LE mono. */
  static List<AudioChunk> chunks(String streamId, int count) {
    Random random = new Random(streamId.hashCode());
    int samples = RATE / 10;
    List<AudioChunk> out = new ArrayList<>();
    for (int seq = 0; seq < count; seq++) {
      ByteBuffer payload = ByteBuffer.allocate(samples * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < samples; i++) {
        payload.putFloat((float) (random.nextGaussian() * 0.1));
      }
      payload.flip();
      out.add(AudioChunk.newBuilder()
          .setStreamId(streamId)
          .setSequenceNumber(seq)
          .setEventTimeStartMicros(START_MICROS + seq * 100_000L)
          .setSampleRate(RATE)
          .setChannels(1)
          .setEncoding(SampleEncoding.FLOAT32LE)
          .setPayload(payload)
          .setSourceMetadata(null)
          .build());
    }
    return out;
  }
}
