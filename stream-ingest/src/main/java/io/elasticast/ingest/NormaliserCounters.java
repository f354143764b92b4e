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
  private final AtomicLong streamsStarted = new AtomicLong();
  private final AtomicLong gaps = new AtomicLong();
  private final AtomicLong missingChunks = new AtomicLong();
  private final AtomicLong restarts = new AtomicLong();
  private final AtomicLong outOfOrder = new AtomicLong();
  private final Map<DeadLetterReason, AtomicLong> deadLetters = new EnumMap<>(DeadLetterReason.class);

  public NormaliserCounters() {
    for (DeadLetterReason r : DeadLetterReason.values()) {
      deadLetters.put(r, new AtomicLong());
    }
  }

  void countNormalised() {
    normalised.incrementAndGet();
  }

  /**
   * How a normalised chunk stood in its stream's numbering (not a separate outcome: the chunk is
   * also counted normalised); {@code missingBefore} is the gap's size for {@link SequenceTracker.Kind#GAP}.
   */
  void countSequence(SequenceTracker.Kind kind, long missingBefore) {
    switch (kind) {
      case FIRST -> streamsStarted.incrementAndGet();
      case GAP -> {
        gaps.incrementAndGet();
        missingChunks.addAndGet(missingBefore);
      }
      case RESTART -> restarts.incrementAndGet();
      case OUT_OF_ORDER -> outOfOrder.incrementAndGet();
      default -> { }
    }
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

  /** First chunks of streams it did not know (new, or forgotten after an hour's silence). */
  public long streamsStarted() {
    return streamsStarted.get();
  }

  /** Chunks that came after missing ones, and how many were missing in all. */
  public long gaps() {
    return gaps.get();
  }

  public long missingChunks() {
    return missingChunks.get();
  }

  /** Streams that started over (the producer restarted the feed). */
  public long restarts() {
    return restarts.get();
  }

  /** Late chunks resampled on their own. */
  public long outOfOrder() {
    return outOfOrder.get();
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
