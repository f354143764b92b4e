package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.featurizer.FbankConfig;
import io.elasticast.featurizer.FbankExtractor;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FeaturesCommandTest {

  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void shouldWriteTheFbankOfA16BitWavAsTorchaudioReadsIt() throws Exception {
    short[] pcm = noise(8_000, 1);
    Path wav = wav(pcm, 16_000);
    Path npy = dir.resolve("out.npy");

    assertThat(run("--frame-shift-ms", "20", "--mel-bins", "64", "--out", npy.toString(), wav.toString()))
        .isZero();

    float[] samples = new float[pcm.length];
    for (int i = 0; i < pcm.length; i++) {
      samples[i] = pcm[i] / 32768f;
    }
    float[] expected = new FbankExtractor(FbankConfig.ast(20, 64)).extract(samples);
    Npy actual = Npy.read(npy);
    assertThat(actual.header).contains("'shape': (" + expected.length / 64 + ", 64)");
    assertThat(actual.values).isEqualTo(expected);
    assertThat(out.toString()).contains("raw log-mel");
  }

  @Test
  void shouldNormaliseWithTheGivenMeanAndStd() throws Exception {
    Path wav = wav(noise(4_000, 2), 16_000);
    Path raw = dir.resolve("raw.npy");
    Path normalised = dir.resolve("norm.npy");
    assertThat(run("--out", raw.toString(), wav.toString())).isZero();
    assertThat(run("--normalize", "--mean", "-4.27", "--std", "4.57", "--out", normalised.toString(),
        wav.toString())).isZero();
    float[] a = Npy.read(raw).values;
    float[] b = Npy.read(normalised).values;
    for (int i = 0; i < a.length; i++) {
      assertThat(b[i]).isCloseTo((float) ((a[i] + 4.27) / 9.14), org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void shouldExplainWhatToDoWithAFileAtAnotherRate() throws Exception {
    Path wav = wav(noise(4_000, 3), 8_000);
    assertThat(run("--out", dir.resolve("x.npy").toString(), wav.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("8000 Hz").contains("resample");
    assertThat(Files.exists(dir.resolve("x.npy"))).isFalse();
  }

  @Test
  void shouldRefuseNormaliseWithoutStatistics() throws Exception {
    Path wav = wav(noise(4_000, 4), 16_000);
    assertThat(run("--normalize", "--out", dir.resolve("x.npy").toString(), wav.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("--model").contains("--mean");
  }

  @Test
  void shouldReportAMissingInputWithoutAStackTrace() {
    assertThat(run("--out", dir.resolve("x.npy").toString(), dir.resolve("none.wav").toString()))
        .isEqualTo(1);
    assertThat(err.toString()).contains("no such file").doesNotContain("Exception");
  }

  private int run(String... args) {
    CommandLine cli = new CommandLine(new FeaturesCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private Path wav(short[] pcm, int rate) throws Exception {
    ByteBuffer bytes = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (short s : pcm) {
      bytes.putShort(s);
    }
    AudioFormat format = new AudioFormat(rate, 16, 1, true, false);
    Path file = dir.resolve("in-" + rate + "-" + pcm.length + ".wav");
    try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(bytes.array()), format,
        pcm.length)) {
      AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
    }
    return file;
  }

  private static short[] noise(int n, long seed) {
    Random random = new Random(seed);
    short[] out = new short[n];
    for (int i = 0; i < n; i++) {
      out[i] = (short) Math.max(-32768, Math.min(32767, random.nextGaussian() * 3000));
    }
    return out;
  }

  /** Minimal .npy reader for the test (format 1.0, little-endian float32). */
  record Npy(String header, float[] values) {
    static Npy read(Path file) throws Exception {
      byte[] bytes = Files.readAllBytes(file);
      ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      int headerLength = in.getShort(8);
      String header = new String(bytes, 10, headerLength, java.nio.charset.StandardCharsets.US_ASCII);
      float[] values = new float[(bytes.length - 10 - headerLength) / 4];
      in.position(10 + headerLength);
      in.asFloatBuffer().get(values);
      return new Npy(header, values);
    }
  }
}
