package io.elasticast.schemas;

import java.util.Arrays;
import java.util.Objects;

/**
 * A window of log-mel frames of one feed: the featurizer's output and the inference operator's
 * input. A Flink POJO (public fields, no-arg constructor) so it is serialised without Kryo.
 * {@code data} is row-major [frames][bins]; frames is a whole multiple of the patch size.
 */
public class SpectrogramWindow {

  public String streamId;
  /** 0, 1, 2, ... per feed and window policy: identifies the window for exactly-once checks. */
  public long sequenceNumber;
  /** Which window policy produced it (e.g. "sliding-1s@10ms", "segment"). */
  public String policy;
  /** Event time of the first sample covered, microseconds since the epoch. */
  public long startMicros;
  /** Event time just after the last sample covered. */
  public long endMicros;
  public int frameShiftMs;
  public int frames;
  public int bins;
  /** True when part of the window was zero-filled over a gap in the feed. */
  public boolean gapFilled;
  /** [frames * bins], frame-major. */
  public float[] data;
  /**
   * RMS level of the samples the window covers, in dB relative to full scale (see
   * the featurizer's AudioLevel); NaN when not measured.
   */
  public float levelDbfs = Float.NaN;

  public SpectrogramWindow() {}

  public SpectrogramWindow(String streamId, long sequenceNumber, String policy, long startMicros,
      long endMicros, int frameShiftMs, int frames, int bins, boolean gapFilled, float[] data) {
    if (data.length != frames * bins) {
      throw new IllegalArgumentException(
          "data has " + data.length + " values, expected frames*bins = " + frames + "*" + bins);
    }
    this.streamId = streamId;
    this.sequenceNumber = sequenceNumber;
    this.policy = policy;
    this.startMicros = startMicros;
    this.endMicros = endMicros;
    this.frameShiftMs = frameShiftMs;
    this.frames = frames;
    this.bins = bins;
    this.gapFilled = gapFilled;
    this.data = data;
  }

  public float value(int frame, int bin) {
    return data[frame * bins + bin];
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SpectrogramWindow w)) {
      return false;
    }
    return sequenceNumber == w.sequenceNumber && startMicros == w.startMicros
        && endMicros == w.endMicros && frameShiftMs == w.frameShiftMs && frames == w.frames
        && bins == w.bins && gapFilled == w.gapFilled
        && Float.compare(levelDbfs, w.levelDbfs) == 0 && Objects.equals(streamId, w.streamId)
        && Objects.equals(policy, w.policy) && Arrays.equals(data, w.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(streamId, sequenceNumber, policy, startMicros, frameShiftMs, frames);
  }

  @Override
  public String toString() {
    return "SpectrogramWindow{" + streamId + "#" + sequenceNumber + " " + policy + " "
        + frames + "x" + bins + "@" + frameShiftMs + "ms [" + startMicros + "," + endMicros + ")"
        + (gapFilled ? " gap-filled" : "") + "}";
  }
}
