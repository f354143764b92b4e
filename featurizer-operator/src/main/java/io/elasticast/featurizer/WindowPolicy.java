package io.elasticast.featurizer;

import io.elasticast.schemas.SpectrogramWindow;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a feed's frames are cut into {@link SpectrogramWindow}s. Lengths are whole multiples of the
 * model's 16-frame patch.
 *
 * <ul>
 *   <li>{@link Kind#SLIDING}: fixed length and hop, e.g. 1 s every 0.5 s at 10 ms. Several sliding
 *       policies at different frame shifts over the same samples make the multi-scale mode.
 *   <li>{@link Kind#SEGMENT}: native-length segments: a segment opens at the first frame above
 *       {@code silenceLogEnergy} and closes after {@code minSilenceFrames} quiet frames once it is at
 *       least {@code minFrames} long, or at {@code maxFrames}.
 * </ul>
 *
 * <p>Spec strings (for CLI and job config): {@code sliding:1s/0.5s@10ms},
 * {@code segment:1s-10s@10ms} (optionally {@code ,silence=0.3s,threshold=-1.5}).
 */
public record WindowPolicy(Kind kind, String name, int frameShiftMs, int lengthFrames,
    int hopFrames, int minFrames, int maxFrames, int minSilenceFrames, float silenceLogEnergy)
    implements Serializable {

  public enum Kind { SLIDING, SEGMENT }

  /** The transformer's patch is 16 frames long: every window is a whole number of patches. */
  public static final int PATCH_FRAMES = 16;
  /**
   * Default activity threshold on a frame's log total mel energy (log of the summed mel energies of
   * samples in [-1, 1]): about white noise at -45 dBFS; digital silence is log(128 * eps) = -11.
   */
  public static final float DEFAULT_SILENCE_LOG_ENERGY = -1.5f;
  public static final double DEFAULT_MIN_SILENCE_SECONDS = 0.3;

  public WindowPolicy {
    if (lengthFrames % PATCH_FRAMES != 0 || minFrames % PATCH_FRAMES != 0
        || maxFrames % PATCH_FRAMES != 0) {
      throw new IllegalArgumentException("window lengths must be multiples of " + PATCH_FRAMES
          + " frames: " + name);
    }
    if (kind == Kind.SLIDING && (lengthFrames < PATCH_FRAMES || hopFrames < 1)) {
      throw new IllegalArgumentException("sliding window needs >= " + PATCH_FRAMES
          + " frames and a hop >= 1 frame: " + name);
    }
    if (kind == Kind.SEGMENT && (minFrames < PATCH_FRAMES || maxFrames < minFrames
        || minSilenceFrames < 1)) {
      throw new IllegalArgumentException("segment policy needs " + PATCH_FRAMES
          + " <= min <= max frames and a silence of >= 1 frame: " + name);
    }
  }

  /** {@code lengthSeconds} rounded down to whole patches, every {@code hopSeconds}. */
  public static WindowPolicy sliding(double lengthSeconds, double hopSeconds, int frameShiftMs) {
    int length = patchesDown(lengthSeconds, frameShiftMs);
    int hop = Math.max(1, (int) Math.round(hopSeconds * 1000.0 / frameShiftMs));
    return new WindowPolicy(Kind.SLIDING, "sliding-" + fmt(lengthSeconds) + "/"
        + fmt(hopSeconds) + "@" + frameShiftMs + "ms", frameShiftMs, length, hop, 0, 0, 0, 0f);
  }

  public static WindowPolicy segment(double minSeconds, double maxSeconds, int frameShiftMs) {
    return segment(minSeconds, maxSeconds, frameShiftMs, DEFAULT_MIN_SILENCE_SECONDS,
        DEFAULT_SILENCE_LOG_ENERGY);
  }

  public static WindowPolicy segment(double minSeconds, double maxSeconds, int frameShiftMs,
      double minSilenceSeconds, float silenceLogEnergy) {
    int min = Math.max(PATCH_FRAMES, patchesDown(minSeconds, frameShiftMs));
    int max = patchesDown(maxSeconds, frameShiftMs);
    int silence = Math.max(1, (int) Math.round(minSilenceSeconds * 1000.0 / frameShiftMs));
    return new WindowPolicy(Kind.SEGMENT, "segment-" + fmt(minSeconds) + "-" + fmt(maxSeconds)
        + "@" + frameShiftMs + "ms", frameShiftMs, 0, 0, min, max, silence, silenceLogEnergy);
  }

  /** Parses one spec, e.g. {@code sliding:1s/0.5s@10ms} or {@code segment:1s-10s@10ms}. */
  public static WindowPolicy parse(String spec) {
    String s = spec.trim().toLowerCase(Locale.ROOT);
    try {
      int colon = s.indexOf(':');
      int at = s.lastIndexOf('@');
      String kind = s.substring(0, colon);
      String body = s.substring(colon + 1, at);
      String[] tail = s.substring(at + 1).split(",");
      int shift = Integer.parseInt(tail[0].replace("ms", ""));
      if (kind.equals("sliding")) {
        String[] lh = body.split("/");
        return sliding(seconds(lh[0]), seconds(lh[1]), shift);
      }
      if (kind.equals("segment")) {
        String[] mm = body.split("-");
        double silence = DEFAULT_MIN_SILENCE_SECONDS;
        float threshold = DEFAULT_SILENCE_LOG_ENERGY;
        for (int i = 1; i < tail.length; i++) {
          String[] kv = tail[i].split("=");
          switch (kv[0]) {
            case "silence" -> silence = seconds(kv[1]);
            case "threshold" -> threshold = Float.parseFloat(kv[1]);
            default -> throw new IllegalArgumentException("unknown option " + kv[0]);
          }
        }
        return segment(seconds(mm[0]), seconds(mm[1]), shift, silence, threshold);
      }
      throw new IllegalArgumentException("unknown kind " + kind);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad window policy '" + spec + "' (" + e.getMessage()
          + "); expected e.g. sliding:1s/0.5s@10ms or segment:1s-10s@10ms[,silence=0.3s,threshold=-1.5]");
    }
  }

  /** Comma-free list separated by ';' or whitespace, e.g. {@code sliding:1s/0.5s@10ms;sliding:4s/2s@20ms}. */
  public static List<WindowPolicy> parseList(String specs) {
    List<WindowPolicy> out = new ArrayList<>();
    for (String spec : specs.split("[;\\s]+")) {
      if (!spec.isBlank()) {
        out.add(parse(spec));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no window policy in '" + specs + "'");
    }
    return out;
  }

  /** The issue's multi-scale example: 1 s @10 ms, 4 s @20 ms, 10 s @40 ms, each hopping half. */
  public static List<WindowPolicy> multiScaleDefault() {
    return List.of(sliding(1.0, 0.5, 10), sliding(4.0, 2.0, 20), sliding(10.0, 5.0, 40));
  }

  private static int patchesDown(double seconds, int frameShiftMs) {
    int frames = (int) Math.floor(seconds * 1000.0 / frameShiftMs + 1e-9);
    return frames / PATCH_FRAMES * PATCH_FRAMES;
  }

  private static double seconds(String s) {
    if (s.endsWith("ms")) {
      return Double.parseDouble(s.substring(0, s.length() - 2)) / 1000.0;
    }
    return Double.parseDouble(s.endsWith("s") ? s.substring(0, s.length() - 1) : s);
  }

  private static String fmt(double seconds) {
    return (seconds == Math.rint(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds))
        + "s";
  }
}
