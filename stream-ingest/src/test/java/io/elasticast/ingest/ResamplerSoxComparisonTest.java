package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our resampler against sox's high-quality linear-phase {@code rate} on passband sine sweeps, fed
 * in 100 ms chunks with the filter state carried across. sox is installed here and in CI; the test
 * is skipped only on machines without it (the sox-free quality tests are in
 * {@link PolyphaseResamplerUnitTest}).
 */
class ResamplerSoxComparisonTest {

  static final int OUT = 16_000;
  static final double SECONDS = 2.0;
  static final double MIN_SNR_DB = 60.0;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(ints = {8_000, 22_050, 44_100, 48_000, 96_000})
  void shouldMatchSoxWithinSixtyDecibelsOnAPassbandSweep(int inRate) throws Exception {
    Assumptions.assumeTrue(soxAvailable(), "sox is not installed");
    // Stay inside our passband (0.9 of the lower Nyquist) and below sox's 95 % bandwidth.
    double top = Math.min(7_000, 0.85 * Math.min(inRate, OUT) / 2);
    float[] sweep = AudioFixtures.sweep(50, top, SECONDS, inRate, 0.5);
    float[] reference = sox(sweep, inRate);

    PolyphaseResampler resampler = new PolyphaseResampler(inRate, OUT);
    PolyphaseResampler.State state = resampler.newState();
    float[] ours = new float[0];
    int chunk = inRate / 10;
    for (int pos = 0; pos < sweep.length; pos += chunk) {
      float[] part = Arrays.copyOfRange(sweep, pos, Math.min(sweep.length, pos + chunk));
      ours = PolyphaseResamplerUnitTest.concat(ours, resampler.process(state, part));
    }

    int edge = OUT / 20; // the sweep's abrupt start and end are not band-limited
    int end = Math.min(ours.length, reference.length) - edge;
    double snr = AudioFixtures.snrDb(reference, ours, edge, end);
    System.out.printf("resampler vs sox, %d Hz -> %d Hz, sweep 50..%.0f Hz: SNR %.1f dB%n",
        inRate, OUT, top, snr);
    assertThat(snr).isGreaterThan(MIN_SNR_DB);
  }

  float[] sox(float[] input, int inRate) throws IOException, InterruptedException {
    Path in = dir.resolve("in.f32");
    Path out = dir.resolve("out.f32");
    ByteBuffer bytes = ByteBuffer.allocate(input.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(input);
    Files.write(in, bytes.array());
    Process p = new ProcessBuilder("sox", "-t", "raw", "-r", Integer.toString(inRate),
        "-e", "floating-point", "-b", "32", "-c", "1", in.toString(),
        "-t", "raw", "-e", "floating-point", "-b", "32", out.toString(), "rate", "-h", "16000")
        .redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("sox failed: %s", log).isZero();
    byte[] raw = Files.readAllBytes(out);
    float[] result = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(result);
    return result;
  }

  static boolean soxAvailable() {
    try {
      Process p = new ProcessBuilder("sox", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
