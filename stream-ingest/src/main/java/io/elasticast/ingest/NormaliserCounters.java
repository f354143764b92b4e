package io.elasticast.ingest;

import io.elasticast.schemas.DeadLetterReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the normaliser did with each input record, for the CLI's status line, the benchmark and the
 * accounting tests: every input is exactly one of normalised, dead-lettered or a dropped duplicate.
 * In-memory only (a restarted instance starts from zero).
 */
public final class NormaliserCounters {

  private final AtomicLong normalised = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final Map<DeadLetterReason, AtomicLong> deadLetters = new EnumMap<>(DeadLetterReason.class);

  public NormaliserCounters() {
    for (DeadLetterReason r : DeadLetterReason.values()) {
      deadLetters.put(r, new AtomicLong());
    }
  }

  void countNormalised() {
    normalised.incrementAndGet();
  }

  void countDuplicate() {
    duplicates.incrementAndGet();
  }

  void countDeadLetter(DeadLetterReason reason) {
    deadLetters.get(reason).incrementAndGet();
  }

  public long normalised() {
    return normalised.get();
  }

  public long duplicates() {
    return duplicates.get();
  }

  public long deadLetters(DeadLetterReason reason) {
    return deadLetters.get(reason).get();
  }

  public long deadLetters() {
    return deadLetters.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** Every input record the normaliser has finished with. */
  public long total() {
    return normalised() + duplicates() + deadLetters();
  }

  @Override
  public String toString() {
    return "normalised=" + normalised() + " dead-lettered=" + deadLetters() + " duplicates=" + duplicates();
  }
}
