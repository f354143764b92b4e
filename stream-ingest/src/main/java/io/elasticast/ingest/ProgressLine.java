package io.elasticast.ingest;

import java.util.List;

/** The one-line ingest status: feeds by state, audio seconds sent, and recent chunks per second. */
public final class ProgressLine {

  private final List<Feed> feeds;
  private final Ticker ticker;
  private long lastNanos;
  private long lastChunks;
  private double rate;

  public ProgressLine(List<Feed> feeds, Ticker ticker) {
    this.feeds = feeds;
    this.ticker = ticker;
    this.lastNanos = ticker.nanoTime();
  }

  public String render() {
    int live = 0;
    int done = 0;
    int failed = 0;
    long chunks = 0;
    double seconds = 0;
    for (Feed f : feeds) {
      switch (f.status()) {
        case RUNNING, STARTING -> live++;
        case FAILED -> failed++;
        default -> done++;
      }
      chunks += f.chunks();
      seconds += f.secondsSent();
    }
    long now = ticker.nanoTime();
    if (now - lastNanos >= 250_000_000L) {
      rate = (chunks - lastChunks) * 1e9 / (now - lastNanos);
      lastNanos = now;
      lastChunks = chunks;
    }
    return format(live, done, failed, seconds, chunks, rate);
  }

  static String format(int live, int done, int failed, double seconds, long chunks, double chunksPerSecond) {
    return String.format("ingest: feeds %d live, %d done, %d failed | %.1f s of audio sent | %d chunks | %.0f chunks/s",
        live, done, failed, seconds, chunks, chunksPerSecond);
  }
}
