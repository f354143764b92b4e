package io.elasticast.ingest;

/**
 * Holds a feed to its own clock: a chunk is released once the last sample in it would have been
 * heard live, counted from the feed's start. A feed that falls behind (slow broker) is not made to
 * wait again until it has caught up, so it never drifts further behind than it must.
 */
public final class Pacer {

  private final Ticker ticker;
  private final int sampleRate;
  private final boolean enabled;
  private long startNanos = Long.MIN_VALUE;

  public Pacer(Ticker ticker, int sampleRate, boolean enabled) {
    this.ticker = ticker;
    this.sampleRate = sampleRate;
    this.enabled = enabled;
  }

  /** Time at which {@code frames} frames from the start are due. */
  public long dueNanos(long frames) {
    return startNanos + Math.round(frames * 1e9 / sampleRate);
  }

  /** Waits until {@code framesSent} frames (including the chunk about to go) are due. */
  public void awaitDue(long framesSent) throws InterruptedException {
    if (!enabled) {
      return;
    }
    if (startNanos == Long.MIN_VALUE) {
      startNanos = ticker.nanoTime();
    }
    long wait = dueNanos(framesSent) - ticker.nanoTime();
    if (wait > 0) {
      ticker.sleepNanos(wait);
    }
  }
}
