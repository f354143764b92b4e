package io.elasticast.featurizer;

import io.elasticast.schemas.OrderKind;
import io.elasticast.schemas.StreamOrder;

/**
 * What a chunk does to its feed's run. The normaliser decides stream order ({@link StreamOrder} on
 * every chunk it writes); this only turns its verdict into a step, and guards against the one thing
 * the verdict cannot see: a chunk the job has taken before (a replayed record: its number and its
 * event time are both at or below the latest taken).
 *
 * <ul>
 *   <li>{@link OrderKind#FIRST}, {@link OrderKind#RESTART}: the run so far ends, a new one starts.</li>
 *   <li>{@link OrderKind#GAP}: the run goes on over a gap (zero-filled or reset by policy).</li>
 *   <li>{@link OrderKind#CONTINUES}: the run goes on; if numbers were skipped nonetheless (records
 *       the job itself refused), that is a gap.</li>
 *   <li>No verdict (a chunk that did not come through the normaliser): it continues the run only
 *       when it is the next number, and otherwise starts a new run.</li>
 *   <li>Whatever the verdict, a replayed record is a duplicate.</li>
 *   <li>Unless the normaliser said the feed starts (over), a jump of more than
 *       {@value #MAX_UNTIMED_JUMP} numbers must be matched by event time: a corrupt number (or a
 *       record that never came through the normaliser) cannot end a run or make it wait for
 *       chunks that will never come. Such a chunk is refused.</li>
 * </ul>
 */
public final class RunSequencer {

  public enum Step {
    /** Append to the run (starting one if none is open). */
    CONTINUE,
    /** Chunks are missing before this one: fill or reset by the gap policy, then append. */
    GAP,
    /** End the run (flushing it) and start a new one with this chunk. */
    NEW_RUN,
    /** Taken before: drop it. */
    DUPLICATE,
    /** A jump in numbers that the chunk's event time does not account for: refuse it. */
    IMPLAUSIBLE
  }

  /** Forward jumps up to this many chunks need no support from event time. */
  public static final int MAX_UNTIMED_JUMP = 64;

  private RunSequencer() {}

  /**
   * The step for chunk {@code sequence} starting at {@code startMicros} and lasting {@code
   * chunkMicros}, with the normaliser's verdict {@code kind} (null: none), after the feed's latest
   * chunk taken ({@code lastSequence}, {@code lastStartMicros}; -1 before the first).
   */
  public static Step step(long lastSequence, long lastStartMicros, long sequence, long startMicros,
      long chunkMicros, OrderKind kind) {
    if (lastSequence >= 0 && sequence <= lastSequence && startMicros <= lastStartMicros) {
      return Step.DUPLICATE;
    }
    if (kind == OrderKind.FIRST || kind == OrderKind.RESTART) {
      return lastSequence < 0 ? Step.CONTINUE : Step.NEW_RUN;
    }
    if (lastSequence >= 0 && sequence - lastSequence - 1 > MAX_UNTIMED_JUMP) {
      // the skipped chunks would have needed at least half their length each in event time
      double neededMicros = (double) (sequence - lastSequence) * chunkMicros / 2;
      if (startMicros - lastStartMicros < neededMicros) {
        return Step.IMPLAUSIBLE;
      }
    }
    if (lastSequence < 0 || sequence == lastSequence + 1) {
      return kind == OrderKind.GAP ? Step.GAP : Step.CONTINUE;
    }
    // numbers went back with later audio, or jumped: the verdict said the run goes on, so the
    // job refused the chunks between itself (a gap); without a verdict the run cannot go on
    return kind == null ? Step.NEW_RUN : sequence > lastSequence ? Step.GAP : Step.NEW_RUN;
  }
}
