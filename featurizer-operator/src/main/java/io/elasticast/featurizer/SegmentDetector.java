package io.elasticast.featurizer;

import io.elasticast.featurizer.FeedCursor.PolicyCursor;

/**
 * Finds a segment policy's native-length segments from each frame's log energy: a segment opens
 * at the first frame above the policy's silence threshold and closes after a run of quiet frames
 * once it has its minimum length (trimmed to the last active frame, rounded up to whole patches),
 * or at its maximum length. Pure; its position is the policy's {@link PolicyCursor}.
 */
public final class SegmentDetector {

  private SegmentDetector() {}

  /**
   * Takes frame {@code frame} (the next one) with log energy {@code logEnergy}; returns the length
   * of the segment that closes with it (starting at {@code at.segmentStart}), or 0.
   */
  public static int onFrame(WindowPolicy policy, PolicyCursor at, long frame, float logEnergy) {
    boolean active = logEnergy > policy.silenceLogEnergy();
    at.scannedFrames = frame + 1;
    if (!at.open) {
      if (active) {
        at.open = true;
        at.segmentStart = frame;
        at.lastActiveFrame = frame;
        at.silentRun = 0;
      }
      return 0;
    }
    if (active) {
      at.lastActiveFrame = frame;
      at.silentRun = 0;
    } else {
      at.silentRun++;
    }
    long length = frame - at.segmentStart + 1;
    if (length >= policy.maxFrames()) {
      at.open = false;
      return policy.maxFrames();
    }
    if (at.silentRun >= policy.minSilenceFrames() && length >= policy.minFrames()) {
      long activeLength = at.lastActiveFrame - at.segmentStart + 1;
      at.open = false;
      return (int) Math.min(roundUpToPatch(Math.max(activeLength, policy.minFrames())),
          roundDownToPatch(length));
    }
    return 0;
  }

  /**
   * The run ends with {@code availableFrames} frames: the length of the open segment to emit (its
   * active part rounded up to whole patches, within what exists), 0 when none is open, or -1 when
   * the open one is shorter than one patch and is dropped.
   */
  public static int atRunEnd(PolicyCursor at, long availableFrames) {
    if (!at.open) {
      return 0;
    }
    long length = Math.min(roundUpToPatch(at.lastActiveFrame - at.segmentStart + 1),
        roundDownToPatch(availableFrames - at.segmentStart));
    return length >= WindowPolicy.PATCH_FRAMES ? (int) length : -1;
  }

  /** The first frame a later segment can start at: frames before it are no longer needed. */
  public static long firstNeeded(PolicyCursor at) {
    return at.open ? at.segmentStart : at.scannedFrames;
  }

  static long roundUpToPatch(long frames) {
    return (frames + WindowPolicy.PATCH_FRAMES - 1) / WindowPolicy.PATCH_FRAMES
        * WindowPolicy.PATCH_FRAMES;
  }

  static long roundDownToPatch(long frames) {
    return frames / WindowPolicy.PATCH_FRAMES * WindowPolicy.PATCH_FRAMES;
  }
}
