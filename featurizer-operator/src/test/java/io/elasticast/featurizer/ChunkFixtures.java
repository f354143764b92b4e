package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.OrderKind;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds normalised {@link AudioChunk}s from samples, the way the normaliser emits them. */
final class ChunkFixtures {

  static final long T0_MICROS = 1_700_000_000_000_000L;

  private ChunkFixtures() {}

  /**
   * Audio cut into chunks of {@code chunkSamples}, sequence numbers 0.., contiguous event times,
   * with the normaliser's verdicts (FIRST, then CONTINUES).
   */
  static List<AudioChunk> chunks(String streamId, float[] audio, int chunkSamples) {
    return chunks(streamId, audio, chunkSamples, T0_MICROS, OrderKind.FIRST);
  }

  /** The same from {@code t0}, the first chunk's verdict {@code first} (FIRST or RESTART). */
  static List<AudioChunk> chunks(String streamId, float[] audio, int chunkSamples, long t0,
      OrderKind first) {
    List<AudioChunk> out = new ArrayList<>();
    long seq = 0;
    for (int at = 0; at < audio.length; at += chunkSamples) {
      int n = Math.min(chunkSamples, audio.length - at);
      out.add(NormalisedAudio.chunk(streamId, seq, t0 + at * 1_000_000L / AudioFixtures.RATE,
          Arrays.copyOfRange(audio, at, at + n),
          NormalisedAudio.order(seq == 0 ? first : OrderKind.CONTINUES)));
      seq++;
    }
    return out;
  }

  /** One normalised chunk with no order verdict (as a producer other than the normaliser writes). */
  static AudioChunk chunk(String streamId, long seq, long startMicros, float[] samples) {
    return NormalisedAudio.chunk(streamId, seq, startMicros, samples, null);
  }

  /** What the gate passes on for {@code chunk}. */
  static FeedChunk admitted(AudioChunk chunk) {
    return FeedChunk.of(chunk, NormalisedAudio.decode(chunk).samples());
  }

  /** Its event time in ms (the harness's record timestamp). */
  static long millis(FeedChunk chunk) {
    return chunk.startMicros / 1000;
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
