package io.elasticast.schemas;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The event times the pipeline accepts on a chunk: not before the epoch, and not more than
 * {@code maxAhead} ahead of the wall clock. Both entry points (normaliser and job) apply the same
 * rule, so a chunk from a broken clock is dead-lettered instead of dragging watermarks decades
 * ahead or producing records whose timestamps the broker refuses.
 */
public record EventTimeBounds(Duration maxAhead) implements Serializable {

  public static final Duration DEFAULT_MAX_AHEAD = Duration.ofHours(1);

  public EventTimeBounds {
    if (maxAhead.isNegative()) {
      throw new IllegalArgumentException("max event-time skew ahead must be >= 0, not " + maxAhead);
    }
  }

  public static EventTimeBounds defaults() {
    return new EventTimeBounds(DEFAULT_MAX_AHEAD);
  }

  /** Why {@code eventMicros} is refused at wall-clock time {@code nowMillis}, or empty if it is fine. */
  public Optional<String> violation(long eventMicros, long nowMillis) {
    if (eventMicros < 0) {
      return Optional.of("event time " + eventMicros + " us is before the epoch");
    }
    long aheadMillis = eventMicros / 1000 - nowMillis;
    if (aheadMillis > maxAhead.toMillis()) {
      return Optional.of("event time " + Instant.ofEpochMilli(eventMicros / 1000) + " is "
          + Duration.ofMillis(aheadMillis) + " ahead of the clock (at most " + maxAhead + " allowed)");
    }
    return Optional.empty();
  }

  public boolean accepts(long eventMicros, long nowMillis) {
    return violation(eventMicros, nowMillis).isEmpty();
  }
}
