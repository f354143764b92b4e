package io.elasticast.ingest;

import java.util.ArrayList;
import java.util.List;

/** A clock that only moves when someone sleeps on it; records each sleep. */
final class FakeTicker implements Ticker {
  long now = 1_000_000_000L;
  final List<Long> sleeps = new ArrayList<>();

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void sleepNanos(long nanos) {
    sleeps.add(nanos);
    now += nanos;
  }

  synchronized void advance(long nanos) {
    now += nanos;
  }
}
