package io.elasticast.featurizer;

import io.elasticast.featurizer.FeedCursor.PolicyCursor;

/**
 * Cuts a sliding policy's windows: every {@code hopFrames} a window of {@code lengthFrames}, as
 * soon as its last frame exists. Pure; its position is the policy's {@link PolicyCursor}.
 */
public final class SlidingCutter {

  /** Receives a window to emit: its first frame and length. */
  @FunctionalInterface
  public interface Cut {
    void window(long startFrame, int frames);
  }

  private SlidingCutter() {}

  /** Cuts every window that ends within the first {@code availableFrames} frames of the run. */
  public static void cut(WindowPolicy policy, PolicyCursor at, long availableFrames, Cut out) {
    while (at.nextStartFrame + policy.lengthFrames() <= availableFrames) {
      out.window(at.nextStartFrame, policy.lengthFrames());
      at.nextStartFrame += policy.hopFrames();
    }
  }

  /** The first frame a later window can start at: frames before it are no longer needed. */
  public static long firstNeeded(PolicyCursor at) {
    return at.nextStartFrame;
  }
}
