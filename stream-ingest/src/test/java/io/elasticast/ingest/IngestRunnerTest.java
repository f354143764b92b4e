package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.SampleEncoding;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ingest runner on real files with an in-memory sink, unpaced (no test waits on a clock). */
class IngestRunnerTest {

  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;
  final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
  final CollectingSink sink = new CollectingSink();

  String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  Path wav(String name, int rate, int channels, double seconds) throws IOException {
    float[] mono = AudioFixtures.sweep(100, 0.4 * rate, seconds, rate, 0.5); // no two chunks alike
    byte[] pcm = SampleCodec.encodeS16(AudioFixtures.interleave(mono, channels));
    AudioFormat format = new AudioFormat(rate, 16, channels, true, false);
    Path path = dir.resolve(name);
    try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(pcm), format, mono.length)) {
      AudioSystem.write(in, AudioFileFormat.Type.WAVE, path.toFile());
    }
    return path;
  }

  static boolean silent(AudioChunk chunk) {
    byte[] payload = ChunkValidator.bytesOf(chunk.getPayload());
    return Arrays.equals(payload, new byte[payload.length]);
  }

  /** A runner whose sink collects into {@link #sink} and asks it to stop once {@code enough}. */
  IngestRunner stoppingWhen(IngestRunner.Options options, java.util.function.BooleanSupplier enough) {
    IngestRunner[] runner = new IngestRunner[1];
    ChunkSink stopping = new ChunkSink() {
      @Override
      public synchronized void send(AudioChunk chunk, Consumer<Exception> onFailure) {
        sink.send(chunk, onFailure);
        if (enough.getAsBoolean()) {
          runner[0].requestStop();
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    runner[0] = new IngestRunner(options, stopping, new FakeTicker(), Clock.fixed(START, ZoneOffset.UTC),
        err, false);
    return runner[0];
  }

  IngestRunner runner(List<String> sources, int feeds, boolean loop, AudioSources.RawStdin stdin) {
    var options = new IngestRunner.Options(sources, feeds, loop, false, 100, null, stdin);
    return new IngestRunner(options, sink, new FakeTicker(), Clock.fixed(START, ZoneOffset.UTC), err, false);
  }

  @Test
  void shouldSendAWavFileAsContiguousHundredMillisecondChunks() throws IOException {
    Path file = wav("tone.wav", 44_100, 2, 1.05);
    int exit = runner(List.of(file.toString()), 0, false, null).run();

    assertThat(exit).isZero();
    List<AudioChunk> chunks = sink.of("tone");
    assertThat(chunks).hasSize(11);
    for (int i = 0; i < chunks.size(); i++) {
      AudioChunk c = chunks.get(i);
      assertThat(c.getSequenceNumber()).isEqualTo(i);
      assertThat(c.getEventTimeStartMicros()).isEqualTo(START.toEpochMilli() * 1_000 + i * 100_000L);
      assertThat(c.getSampleRate()).isEqualTo(44_100);
      assertThat(c.getChannels()).isEqualTo(2);
      assertThat(c.getEncoding()).isEqualTo(SampleEncoding.PCM_S16LE);
    }
    assertThat(chunks.get(10).getPayload().remaining()).isEqualTo((46_305 - 44_100) * 4);
    assertThat(err()).contains("tone").contains("1.1 s").contains("11 chunks").contains("ok");
    assertThat(sink.flushes).isPositive();
  }

  @Test
  void shouldReportAMissingFileAndKeepTheOtherFeedGoing() throws IOException {
    Path good = wav("good.wav", 16_000, 1, 0.5);
    int exit = runner(List.of(dir.resolve("nope.wav").toString(), good.toString()), 0, false, null).run();

    assertThat(exit).isEqualTo(1);
    assertThat(sink.of("good")).hasSize(5);
    assertThat(err()).contains("error: " + dir.resolve("nope.wav") + ": no such file")
        .doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void shouldReportABadSourceOnceAndSpreadTheFeedsOverTheGoodOnes() throws Exception {
    Path good = wav("good.wav", 16_000, 1, 0.3);
    Path missing = dir.resolve("gone.wav");
    var options = new IngestRunner.Options(List.of(good.toString(), missing.toString()), 6, true, false,
        100, null, null);
    IngestRunner runner = stoppingWhen(options, () -> sink.chunks.size() >= 60);
    assertThat(runner.run()).isEqualTo(1);

    assertThat(err().split("no such file", -1)).hasSize(2); // exactly one error line
    assertThat(runner.feeds()).hasSize(6).allSatisfy(f -> assertThat(f.source()).isEqualTo(good.toString()));
    assertThat(err()).containsPattern("gone +0.0 s +0 chunks +failed");
  }

  @Test
  void shouldReportACorruptFile() throws IOException {
    Path bad = dir.resolve("noise.wav");
    Files.write(bad, "RIFF? no, just text pretending to be audio".getBytes(StandardCharsets.UTF_8));
    assertThat(runner(List.of(bad.toString()), 0, false, null).run()).isEqualTo(1);
    assertThat(err()).contains("error: " + bad + ": unsupported or corrupt audio file");
  }

  @Test
  void shouldReportATruncatedFileAfterSendingWhatItHolds() throws IOException {
    Path file = wav("cut.wav", 16_000, 1, 1.0);
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(whole, whole.length - 16_000));

    assertThat(runner(List.of(file.toString()), 0, false, null).run()).isEqualTo(1);
    assertThat(sink.of("cut")).hasSize(5);
    assertThat(err()).contains("error: " + file + ": truncated: header promises 1.00 s, file holds 0.50 s");
  }

  @Test
  void shouldSendSilenceBetweenLoopsWhenAskedForAPause() throws Exception {
    Path file = wav("clip.wav", 16_000, 1, 0.4); // 4 chunks
    var options = new IngestRunner.Options(List.of(file.toString()), 1, true, false, 100, null, null, 250);
    IngestRunner runner = stoppingWhen(options, () -> sink.chunks.size() >= 14);
    assertThat(runner.run()).isZero();

    // 4 chunks of the clip, 3 of silence (250 ms rounded up to whole 100 ms chunks), the clip again
    List<AudioChunk> chunks = sink.chunks.subList(0, 14);
    List<Boolean> silent = chunks.stream()
        .map(IngestRunnerTest::silent)
        .toList();
    assertThat(silent).containsExactly(false, false, false, false, true, true, true,
        false, false, false, false, true, true, true);
    for (int i = 0; i < chunks.size(); i++) {
      assertThat(chunks.get(i).getSequenceNumber()).as("one contiguous stream").isEqualTo(i);
      assertThat(chunks.get(i).getEventTimeStartMicros() - chunks.get(0).getEventTimeStartMicros())
          .isEqualTo(i * 100_000L);
    }
    assertThat(ChunkValidator.bytesOf(chunks.get(7).getPayload()))
        .isEqualTo(ChunkValidator.bytesOf(chunks.get(0).getPayload()));
    assertThatThrownBy(() -> new IngestRunner.Options(List.of(), 1, true, false, 100, null, null, -1))
        .hasMessageContaining("loop pause");
  }

  @Test
  void shouldSimulateManyLoopingFeedsFromOneFileWithOffsetStarts() throws Exception {
    Path file = wav("loop.wav", 16_000, 1, 0.4);
    var options = new IngestRunner.Options(List.of(file.toString()), 4, true, false, 100, null, null);
    // Unpaced feeds race; stop once every one has wrapped around the file a few times.
    IngestRunner runner = stoppingWhen(options, () -> List.of("loop-0", "loop-1", "loop-2", "loop-3")
        .stream().allMatch(id -> sink.of(id).size() >= 12));
    assertThat(runner.run()).isZero();

    List<String> ids = List.of("loop-0", "loop-1", "loop-2", "loop-3");
    assertThat(sink.chunks).extracting(AudioChunk::getStreamId).containsOnlyElementsOf(ids);
    for (String id : ids) {
      List<AudioChunk> chunks = sink.of(id);
      assertThat(chunks.size()).as(id).isGreaterThan(8); // wrapped around the 4-chunk file
      for (int i = 0; i < chunks.size(); i++) {
        assertThat(chunks.get(i).getSequenceNumber()).isEqualTo(i);
      }
    }
    // Feed k starts k/4 of the way into the file, so their first chunks differ.
    assertThat(ChunkValidator.bytesOf(sink.of("loop-0").get(1).getPayload()))
        .isEqualTo(ChunkValidator.bytesOf(sink.of("loop-1").get(0).getPayload()));
    assertThat(ChunkValidator.bytesOf(sink.of("loop-0").get(0).getPayload()))
        .isNotEqualTo(ChunkValidator.bytesOf(sink.of("loop-1").get(0).getPayload()));
    assertThat(err()).contains("loop-3").contains("stopped");
  }

  @Test
  void shouldReadRawFloatPcmFromStdin() {
    float[] samples = AudioFixtures.tone(440, 0.25, 8_000, 0.5);
    var stdin = new AudioSources.RawStdin(new PcmFormat(8_000, 1, SampleEncoding.FLOAT32LE),
        new ByteArrayInputStream(SampleCodec.encodeFloat32(samples)));
    assertThat(runner(List.of("-"), 0, false, stdin).run()).isZero();

    List<AudioChunk> chunks = sink.of("stdin");
    assertThat(chunks).hasSize(3);
    assertThat(chunks.get(0).getEncoding()).isEqualTo(SampleEncoding.FLOAT32LE);
    assertThat(SampleCodec.decode(ChunkValidator.bytesOf(chunks.get(0).getPayload()), SampleEncoding.FLOAT32LE))
        .containsExactly(Arrays.copyOf(samples, 800));
  }

  @Test
  void shouldRefuseToCopyStdinIntoSeveralFeeds() {
    var stdin = new AudioSources.RawStdin(new PcmFormat(8_000, 1, SampleEncoding.PCM_S16LE),
        new ByteArrayInputStream(new byte[1_600]));
    assertThat(runner(List.of("-"), 3, false, stdin).run()).isEqualTo(1);
    assertThat(err()).contains("error: -: stdin is a single feed");
    assertThat(sink.chunks).isEmpty();
  }

  @Test
  void shouldMakeEachAudioFileOfADirectoryAFeed() throws IOException {
    wav("a.wav", 16_000, 1, 0.2);
    wav("b.wav", 22_050, 2, 0.3);
    Files.writeString(dir.resolve("notes.txt"), "not audio");
    assertThat(runner(List.of(dir.toString()), 0, false, null).run()).isZero();
    assertThat(sink.of("a")).hasSize(2);
    assertThat(sink.of("b")).hasSize(3);
    assertThat(sink.chunks).hasSize(5);
  }

  @Test
  void shouldDecodeOtherFormatsWithFfmpeg() throws Exception {
    Assumptions.assumeTrue(commandWorks("ffmpeg", "-version"), "ffmpeg is not installed");
    Path wav = wav("src.wav", 48_000, 2, 0.5);
    Path flac = dir.resolve("song.flac");
    Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-i", wav.toString(), flac.toString())
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();

    assertThat(runner(List.of(flac.toString()), 0, false, null).run()).isZero();
    List<AudioChunk> chunks = sink.of("song");
    assertThat(chunks).hasSize(5);
    assertThat(chunks.get(0).getSampleRate()).isEqualTo(48_000);
    assertThat(chunks.get(0).getChannels()).isEqualTo(2);
    // FLAC is lossless: the samples are the WAV's.
    assertThat(ChunkValidator.bytesOf(chunks.get(0).getPayload()))
        .isEqualTo(Arrays.copyOfRange(Files.readAllBytes(wav), 44, 44 + 4_800 * 4));
  }

  @Test
  void shouldReportUndecodableInputForFfmpegFormats() throws IOException {
    Assumptions.assumeTrue(commandWorks("ffprobe", "-version"), "ffprobe is not installed");
    Path bad = dir.resolve("broken.mp3");
    Files.write(bad, new byte[] {1, 2, 3, 4, 5});
    assertThat(runner(List.of(bad.toString()), 0, false, null).run()).isEqualTo(1);
    assertThat(err()).contains("error: " + bad + ": ").doesNotContain("\tat ");
  }

  static boolean commandWorks(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
