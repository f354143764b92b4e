package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds normalised {@link AudioChunk}s from samples, the way the normaliser emits them. */
final class ChunkFixtures {

  static final long T0_MICROS = 1_700_000_000_000_000L;

  private ChunkFixtures() {}

  /** Audio cut into chunks of {@code chunkSamples}, sequence numbers 0.., contiguous event times. */
  static List<AudioChunk> chunks(String streamId, float[] audio, int chunkSamples) {
    List<AudioChunk> out = new ArrayList<>();
    long seq = 0;
    for (int at = 0; at < audio.length; at += chunkSamples) {
      int n = Math.min(chunkSamples, audio.length - at);
      out.add(chunk(streamId, seq++, T0_MICROS + at * 1_000_000L / AudioFixtures.RATE,
          Arrays.copyOfRange(audio, at, at + n)));
    }
    return out;
  }

  static AudioChunk chunk(String streamId, long seq, long startMicros, float[] samples) {
    return AudioChunk.newBuilder().setStreamId(streamId).setSequenceNumber(seq)
        .setEventTimeStartMicros(startMicros).setSampleRate(AudioFixtures.RATE).setChannels(1)
        .setEncoding(SampleEncoding.FLOAT32LE).setPayload(ChunkValidator.encode(samples))
        .setSourceMetadata(null).build();
  }

  static AudioChunk withPayload(AudioChunk chunk, int rate, int channels, SampleEncoding encoding,
      ByteBuffer payload) {
    return AudioChunk.newBuilder(chunk).setSampleRate(rate).setChannels(channels)
        .setEncoding(encoding).setPayload(payload).build();
  }

  static long millis(AudioChunk chunk) {
    return chunk.getEventTimeStartMicros() / 1000;
  }
}
