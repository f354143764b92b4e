package io.elasticast.ingest;

import java.util.concurrent.TimeUnit;

/** Monotonic time and sleeping, injectable so pacing is tested without waiting. */
public interface Ticker {

  long nanoTime();

  void sleepNanos(long nanos) throws InterruptedException;

  static Ticker system() {
    return new Ticker() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void sleepNanos(long nanos) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(nanos);
      }
    };
  }
}
