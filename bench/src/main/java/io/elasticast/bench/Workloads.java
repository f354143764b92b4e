package io.elasticast.bench;

import io.elasticast.schemas.SpectrogramWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The five seeded workloads of {@code elasticast bench inference}: fixed lists of log-mel windows
 * (random values: speed does not depend on them) whose lengths and frame shifts are what the
 * job's window policies cut. {@code model/gpu_packing_check.py} draws the same mixes.
 */
public final class Workloads {

  private static final int SAMPLE_RATE = 16_000;
  private static final int FRAME_SAMPLES = 400;

  private Workloads() {}

  /** A named, fixed list of windows; {@code key} is its name in the summary line. */
  public record Workload(String key, String name, List<SpectrogramWindow> windows) {

    public double audioSeconds() {
      double s = 0;
      for (SpectrogramWindow w : windows) {
        s += (w.endMicros - w.startMicros) / 1e6;
      }
      return s;
    }
  }

  /** The five workloads in summary-line order, about {@code scale} × 12k tokens each. */
  public static List<Workload> all(double scale, long seed, int bins, List<Integer> shiftsMs) {
    return List.of(
        oneSecond(count(256, scale), seed, bins),
        tenSeconds(count(24, scale), seed + 1, bins),
        mixed(count(96, scale), seed + 2, bins, shiftsMs),
        multiscale(count(160, scale), seed + 3, bins),
        multiresolution(count(160, scale), seed + 4, bins));
  }

  private static int count(int n, double scale) {
    return Math.max(1, (int) Math.round(n * scale));
  }

  /** 1 s windows at 10 ms: the job's default sliding policy alone (48 tokens each). */
  public static Workload oneSecond(int count, long seed, int bins) {
    Random rnd = new Random(seed);
    List<SpectrogramWindow> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(window(i, 1.0, 10, bins, rnd));
    }
    return new Workload("1s", "uniform 1 s @10 ms", out);
  }

  /** 10 s windows at 10 ms (496 tokens each). */
  public static Workload tenSeconds(int count, long seed, int bins) {
    Random rnd = new Random(seed);
    List<SpectrogramWindow> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(window(i, 10.0, 10, bins, rnd));
    }
    return new Workload("10s", "uniform 10 s @10 ms", out);
  }

  /** Windows of 0.5–10 s at the model's frame shifts, each at least one patch long. */
  public static Workload mixed(int count, long seed, int bins, List<Integer> shiftsMs) {
    Random rnd = new Random(seed);
    List<SpectrogramWindow> out = new ArrayList<>();
    while (out.size() < count) {
      int shift = shiftsMs.get(rnd.nextInt(shiftsMs.size()));
      SpectrogramWindow w = window(out.size(), 0.5 + 9.5 * rnd.nextDouble(), shift, bins, rnd);
      if (w.frames >= 16) { // 0.5 s at 40 ms is 12 frames: drawn again
        out.add(w);
      }
    }
    return new Workload("mixed", "mixed 0.5-10 s @" + shiftsMs.get(0) + "-"
        + shiftsMs.get(shiftsMs.size() - 1) + " ms", out);
  }

  /**
   * The job's default policies ({@code sliding:1s/0.5s@10ms} + {@code segment:0.5s-10s@10ms}):
   * per 10 s of audio, 20 sliding windows of 1 s and native segments of 0.5–10 s that cover it.
   */
  public static Workload multiscale(int count, long seed, int bins) {
    Random rnd = new Random(seed);
    List<SpectrogramWindow> out = new ArrayList<>();
    while (out.size() < count) {
      for (int i = 0; i < 20 && out.size() < count; i++) {
        out.add(window(out.size(), 1.0, 10, bins, rnd));
      }
      double left = 10.0;
      while (left >= 0.5 && out.size() < count) {
        double seconds = Math.min(left, 0.5 + 9.5 * rnd.nextDouble());
        out.add(window(out.size(), seconds, 10, bins, rnd));
        left -= seconds;
      }
    }
    return new Workload("multiscale", "multi-scale 1 s + segments @10 ms", out);
  }

  /**
   * Three resolutions of the same audio: 1 s @10 ms every 0.5 s, 4 s @20 ms every 2 s and
   * 10 s @40 ms every 5 s (20 : 5 : 2 windows per 10 s), in arrival order.
   */
  public static Workload multiresolution(int count, long seed, int bins) {
    Random rnd = new Random(seed);
    List<SpectrogramWindow> out = new ArrayList<>();
    while (out.size() < count) {
      for (int i = 0; i < 20 && out.size() < count; i++) {
        out.add(window(out.size(), 1.0, 10, bins, rnd));
        if (i % 4 == 3 && out.size() < count) {
          out.add(window(out.size(), 4.0, 20, bins, rnd));
        }
        if (i % 10 == 9 && out.size() < count) {
          out.add(window(out.size(), 10.0, 40, bins, rnd));
        }
      }
    }
    return new Workload("multires", "multi-resolution 1 s@10 + 4 s@20 + 10 s@40 ms", out);
  }

  static SpectrogramWindow window(int index, double seconds, int shiftMs, int bins, Random rnd) {
    int samples = (int) Math.round(seconds * SAMPLE_RATE);
    int frames = 1 + (samples - FRAME_SAMPLES) / (SAMPLE_RATE / 1000 * shiftMs);
    float[] data = new float[frames * bins];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (-4.3 + 4.6 * rnd.nextGaussian());
    }
    return new SpectrogramWindow("bench-" + index % 50, index, "bench", 0,
        samples * 1_000_000L / SAMPLE_RATE, shiftMs, frames, bins, false, data);
  }
}
