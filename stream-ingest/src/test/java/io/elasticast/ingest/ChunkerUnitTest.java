package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.SampleEncoding;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChunkerUnitTest {

  static final PcmFormat STEREO_44K = new PcmFormat(44_100, 2, SampleEncoding.PCM_S16LE);

  @Test
  void shouldNumberChunksContiguouslyAndTimeThemByFramesSent() {
    Chunker chunker = new Chunker("feed", STEREO_44K, 1_000_000L, Map.of());
    AudioChunk a = chunker.next(new byte[4_410 * 4]);
    AudioChunk b = chunker.next(new byte[4_410 * 4]);
    AudioChunk c = chunker.next(new byte[100 * 4]);
    assertThat(a.getSequenceNumber()).isZero();
    assertThat(b.getSequenceNumber()).isEqualTo(1);
    assertThat(c.getSequenceNumber()).isEqualTo(2);
    assertThat(a.getEventTimeStartMicros()).isEqualTo(1_000_000L);
    assertThat(b.getEventTimeStartMicros()).isEqualTo(1_100_000L);
    assertThat(c.getEventTimeStartMicros()).isEqualTo(1_200_000L);
    assertThat(c.getSampleRate()).isEqualTo(44_100);
    assertThat(c.getChannels()).isEqualTo(2);
    assertThat(chunker.frames()).isEqualTo(8_920);
  }

  @Test
  void shouldNotAccumulateRoundingIntoTheTimestamps() {
    PcmFormat odd = new PcmFormat(22_050, 1, SampleEncoding.PCM_S16LE);
    Chunker chunker = new Chunker("feed", odd, 0, Map.of());
    int frames = Chunker.framesPerChunk(22_050, 30); // 661.5 rounds to 662
    AudioChunk last = null;
    for (int i = 0; i < 1_000; i++) {
      last = chunker.next(new byte[frames * 2]);
    }
    assertThat(last.getEventTimeStartMicros()).isEqualTo(999L * frames * 1_000_000L / 22_050);
  }

  @Test
  void shouldGiveADefaultChunkOfAHundredMilliseconds() {
    assertThat(Chunker.framesPerChunk(16_000, IngestRunner.DEFAULT_CHUNK_MILLIS)).isEqualTo(1_600);
    assertThat(Chunker.framesPerChunk(8_000, 0)).isEqualTo(1);
  }

  @Test
  void shouldReadWholeFramesAcrossShortReads() throws IOException {
    byte[] data = new byte[4 * 10 + 3]; // ten stereo frames and a torn one
    InputStream trickle = new ByteArrayInputStream(data) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 3));
      }
    };
    PcmReader reader = new PcmReader(STEREO_44K, trickle, null);
    assertThat(reader.readFrames(4)).hasSize(16);
    assertThat(reader.readFrames(4)).hasSize(16);
    assertThat(reader.readFrames(4)).hasSize(8);
    assertThat(reader.readFrames(4)).isEmpty();
    assertThat(reader.framesRead()).isEqualTo(10);
  }
}
