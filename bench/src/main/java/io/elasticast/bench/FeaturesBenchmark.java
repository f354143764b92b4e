package io.elasticast.bench;

import io.elasticast.featurizer.FbankConfig;
import io.elasticast.featurizer.FbankExtractor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code elasticast bench features}: the same synthetic audio through the Java {@link FbankExtractor}
 * and through {@code torchaudio.compliance.kaldi.fbank} in a Python subprocess
 * ({@code torchaudio_fbank_bench.py}), both on one thread, measured side by side in one run. Ends
 * with {@code java/torchaudio=R rtf_per_core=F}: R = torchaudio's time / Java's (higher = Java
 * faster), F = seconds of audio per CPU-second of one core for Java. Both sides report wall and CPU
 * time (Java: the thread's CPU time; Python: {@code time.process_time}); the summary uses the
 * minimum CPU times, the least disturbed estimate on a shared, oversubscribed machine, where wall
 * time mostly measures the other tenants.
 */
public final class FeaturesBenchmark {

  /** Frames compared between the two implementations as a sanity check (30 s at 10 ms). */
  static final int PARITY_SECONDS = 30;
  /** 70 dB: the float32 dynamic range the parity budget applies to (as in the parity test). */
  static final double DYNAMIC_RANGE_NATS = 16.0;
  static final String SCRIPT = "torchaudio_fbank_bench.py";

  private final double minutes;
  private final int repeats;
  private final int frameShiftMs;
  private final int melBins;
  private final String python;

  public FeaturesBenchmark(double minutes, int repeats, int frameShiftMs, int melBins,
      String python) {
    this.minutes = minutes;
    this.repeats = repeats;
    this.frameShiftMs = frameShiftMs;
    this.melBins = melBins;
    this.python = python;
  }

  /** Runs both sides and prints the report; 0, or 1 after printing why it could not. */
  public int run(PrintWriter out, PrintWriter err) throws IOException, InterruptedException {
    if (!(minutes > 0) || repeats < 1) {
      err.println("error: --minutes must be > 0 and --repeats >= 1");
      return 1;
    }
    FbankConfig config = FbankConfig.ast(frameShiftMs, melBins);
    float[] audio = syntheticAudio((long) (minutes * 60 * config.sampleRate()), config.sampleRate());
    double seconds = audio.length / (double) config.sampleRate();
    int frames = (int) config.framesFor(audio.length);
    out.printf(Locale.ROOT, "audio: %.1f s at %d Hz, %d frames @%d ms x %d bins%n", seconds,
        config.sampleRate(), frames, frameShiftMs, melBins);

    FbankExtractor extractor = new FbankExtractor(config);
    float[] features = new float[frames * melBins];
    // warm-up: let the JIT compile the frame loop before timing
    for (int i = 0; i < 3; i++) {
      extractAll(extractor, audio, Math.min(frames, 6_000), features);
    }
    extractAll(extractor, audio, frames, features);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[] javaWall = new double[repeats];
    double[] javaCpu = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long cpu = threads.getCurrentThreadCpuTime();
      long t = System.nanoTime();
      extractAll(extractor, audio, frames, features);
      javaWall[r] = (System.nanoTime() - t) / 1e9;
      javaCpu[r] = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
    }
    out.println(timing("java (JTransforms, 1 thread)", javaWall, javaCpu));

    Path dir = Files.createTempDirectory("bench-features");
    try {
      Path wave = dir.resolve("audio.f32");
      Path parity = dir.resolve("parity.f32");
      writeFloats(wave, audio);
      int paritySamples = Math.min(audio.length, PARITY_SECONDS * config.sampleRate());
      double[][] torchTimes = runTorchaudio(wave, paritySamples, parity, dir, err);
      if (torchTimes == null) {
        return 1;
      }
      out.println(timing("torchaudio (1 thread)", torchTimes[0], torchTimes[1]));
      float[] reference = readFloats(parity);
      double[] errors = parityErrors(reference, features, melBins);
      out.printf(Locale.ROOT, "parity on the first %d s: max |java - torchaudio| = %.3g within %.0f nats"
          + " of each frame's peak, %.3g overall (deeper values are float32 FFT noise)%n",
          paritySamples / config.sampleRate(), errors[0], DYNAMIC_RANGE_NATS, errors[1]);
      out.printf(Locale.ROOT, "wall-time ratio (min): %.2f%n", min(torchTimes[0]) / min(javaWall));
      out.println(summaryLine(min(torchTimes[1]) / min(javaCpu), seconds / min(javaCpu)));
      return 0;
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  /**
   * {max error within {@link #DYNAMIC_RANGE_NATS} of each reference frame's peak, max error}: far
   * below a frame's peak, torchaudio's float32 FFT output is rounding noise (see the parity test).
   */
  static double[] parityErrors(float[] reference, float[] actual, int bins) {
    double within = 0;
    double overall = 0;
    for (int from = 0; from + bins <= reference.length; from += bins) {
      float peak = Float.NEGATIVE_INFINITY;
      for (int i = from; i < from + bins; i++) {
        peak = Math.max(peak, reference[i]);
      }
      for (int i = from; i < from + bins; i++) {
        double d = Math.abs(reference[i] - actual[i]);
        overall = Math.max(overall, d);
        if (reference[i] >= peak - DYNAMIC_RANGE_NATS) {
          within = Math.max(within, d);
        }
      }
    }
    return new double[] {within, overall};
  }

  static String summaryLine(double ratio, double rtfPerCore) {
    return String.format(Locale.ROOT, "java/torchaudio=%.2f rtf_per_core=%.0f", ratio, rtfPerCore);
  }

  static void extractAll(FbankExtractor extractor, float[] audio, int frames, float[] out) {
    int shift = extractor.windowShift();
    int bins = extractor.numMelBins();
    for (int f = 0; f < frames; f++) {
      extractor.computeFrame(audio, f * shift, out, f * bins);
    }
  }

  /** {wall times, CPU times} of the timed torchaudio runs, or null after printing why not. */
  private double[][] runTorchaudio(Path wave, int paritySamples, Path parity, Path dir,
      PrintWriter err) throws IOException, InterruptedException {
    Path script = dir.resolve(SCRIPT);
    try (InputStream in = FeaturesBenchmark.class.getResourceAsStream(SCRIPT)) {
      Files.copy(in, script);
    }
    ProcessBuilder pb = new ProcessBuilder(python, script.toString(), wave.toString(),
        String.valueOf(frameShiftMs), String.valueOf(melBins), String.valueOf(repeats),
        String.valueOf(paritySamples), parity.toString());
    // one thread for every native pool torch might use
    for (String var : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
      pb.environment().put(var, "1");
    }
    Path log = dir.resolve("python.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      err.println("error: cannot start " + python + " (" + e.getMessage()
          + "); install python3-torchaudio or pass --python");
      return null;
    }
    if (!process.waitFor(30, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      err.println("error: torchaudio run did not finish in 30 minutes");
      return null;
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      err.println("error: torchaudio run failed (exit " + process.exitValue() + "):");
      lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(err::println);
      return null;
    }
    double[] wall = null;
    double[] cpu = null;
    for (String line : lines) {
      if (line.startsWith("wall ")) {
        wall = numbers(line.substring(5));
      } else if (line.startsWith("cpu ")) {
        cpu = numbers(line.substring(4));
      }
    }
    if (wall == null || cpu == null) {
      err.println("error: torchaudio run printed no times: " + lines);
      return null;
    }
    return new double[][] {wall, cpu};
  }

  private static double[] numbers(String text) {
    return Arrays.stream(text.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
  }

  /**
   * Seeded mix of what feeds carry: 5 s blocks of noise, tone chords and chirps at varying levels,
   * with some silence, so no code path (e.g. the log floor) is favoured.
   */
  public static float[] syntheticAudio(long samples, int rate) {
    float[] out = new float[Math.toIntExact(samples)];
    Random random = new Random(42);
    int block = 5 * rate;
    for (int start = 0; start < out.length; start += block) {
      int end = Math.min(out.length, start + block);
      int kind = random.nextInt(4);
      double level = Math.pow(10, -random.nextDouble() * 2);
      double f0 = 100 + random.nextDouble() * 2000;
      for (int i = start; i < end; i++) {
        double t = (i - start) / (double) rate;
        double v = switch (kind) {
          case 0 -> random.nextGaussian() * 0.3;
          case 1 -> Math.sin(2 * Math.PI * f0 * t) + 0.5 * Math.sin(2 * Math.PI * 2.5 * f0 * t);
          case 2 -> Math.sin(2 * Math.PI * (f0 * t + 700 * t * t));
          default -> 0.0;
        };
        out[i] = (float) (level * v * 0.5 + random.nextGaussian() * 1e-4);
      }
    }
    return out;
  }

  private static String timing(String name, double[] wall, double[] cpu) {
    return String.format(Locale.ROOT, "%-30s wall min %.3f s median %.3f s | cpu min %.3f s median %.3f s (%d runs)",
        name, min(wall), median(wall), min(cpu), median(cpu), wall.length);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  private static void writeFloats(Path file, float[] values) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : values) {
        if (!buffer.hasRemaining()) {
          out.write(buffer.array(), 0, buffer.position());
          buffer.clear();
        }
        buffer.putFloat(v);
      }
      out.write(buffer.array(), 0, buffer.position());
    }
  }

  private static float[] readFloats(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    float[] out = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }
}
