package io.elasticast.ingest;

/**
 * Classifies each chunk's sequence number against what the stream has delivered so far. It
 * remembers the highest number seen, which of the {@link #WINDOW} numbers below it arrived, and the
 * event time of the chunk that set the highest number, so that
 * <ul>
 *   <li>a late chunk that fills a hole is told apart from a repeat;</li>
 *   <li>a repeat (same event time as the original: a producer retry) is told apart from a restart
 *       (sequence numbers start over, event time moves on past what was delivered);</li>
 *   <li>a real gap (the feed was offline, event time moved on with the numbers) is told apart from
 *       a corrupt number far ahead that the event time does not back up.</li>
 * </ul>
 * Pure logic; the caller stores the {@link State}.
 */
public final class SequenceTracker {

  /** How far back (in chunks) repeats are recognised; older numbers count as out of order. */
  public static final int WINDOW = 64;
  /** {@link State#latestStartMicros} of a state written before event times were kept. */
  public static final long UNKNOWN_TIME = Long.MIN_VALUE;

  public enum Kind {
    /** The first chunk of the stream the normaliser has seen (it may join mid-stream). */
    FIRST,
    IN_ORDER,
    /** Later than the next expected number; {@link Decision#missingBefore} chunks never came. */
    GAP,
    /** Already delivered: dropped. */
    DUPLICATE,
    /** Earlier than the highest seen but not seen before. */
    OUT_OF_ORDER,
    /** The producer started the feed over: the stream's history no longer applies. */
    RESTART,
    /**
     * A number too far ahead for the event time to back it up: refused, and the window left as it
     * was (only {@link State#refusedInARow} counts it).
     */
    IMPLAUSIBLE
  }

  public record Decision(Kind kind, long missingBefore) {}

  /** The remembered part of one stream; mutable, stored in the normaliser's state store. */
  public static final class State {
    long highest;
    long seenMask; // bit i set: chunk (highest - i) arrived
    long duplicates;
    long latestStartMicros; // event time of chunk `highest`, or UNKNOWN_TIME
    long latestDurationMicros;
    int refusedInARow;

    public State(long highest, long seenMask, long duplicates, long latestStartMicros,
        long latestDurationMicros, int refusedInARow) {
      this.highest = highest;
      this.seenMask = seenMask;
      this.duplicates = duplicates;
      this.latestStartMicros = latestStartMicros;
      this.latestDurationMicros = latestDurationMicros;
      this.refusedInARow = refusedInARow;
    }

    /** A state without event times (written by format version 1): the number-only rules apply. */
    public State(long highest, long seenMask, long duplicates) {
      this(highest, seenMask, duplicates, UNKNOWN_TIME, 0, 0);
    }

    public long highest() {
      return highest;
    }

    public long seenMask() {
      return seenMask;
    }

    /** Repeats dropped so far on this stream. */
    public long duplicates() {
      return duplicates;
    }

    /** Event time of the chunk with the highest number, or {@link #UNKNOWN_TIME}. */
    public long latestStartMicros() {
      return latestStartMicros;
    }

    public long latestDurationMicros() {
      return latestDurationMicros;
    }

    /** {@link Kind#IMPLAUSIBLE} chunks since the last one accepted. */
    public int refusedInARow() {
      return refusedInARow;
    }

    boolean knowsTime() {
      return latestStartMicros != UNKNOWN_TIME;
    }

    private void advanceTo(long sequence, long mask, long startMicros, long durationMicros) {
      highest = sequence;
      seenMask = mask;
      latestStartMicros = startMicros;
      latestDurationMicros = durationMicros;
    }
  }

  private SequenceTracker() {}

  /** State after a stream's first chunk. */
  public static State start(long sequence, long startMicros, long durationMicros) {
    return new State(sequence, 1L, 0, startMicros, durationMicros, 0);
  }

  /**
   * Classifies chunk {@code sequence} (event time {@code startMicros}, {@code durationMicros} long)
   * and records it in {@code state}; an {@link Kind#IMPLAUSIBLE} chunk leaves {@code state} as it
   * was but for {@link State#refusedInARow}. Sequence numbers are never negative (the validator
   * refuses them).
   *
   * <ul>
   *   <li>{@code highest + 1}: in order.</li>
   *   <li>Further ahead by {@code d} chunks: a gap, unless {@code d > WINDOW} and the event time
   *       advanced by less than half of {@code d} chunks of this one's duration: implausible. After
   *       {@code WINDOW} implausible chunks in a row the state is what is wrong (a stray chunk was
   *       taken for a restart, say), and the next one is taken as a restart instead.</li>
   *   <li>At or below {@code highest} with an event time later than the latest chunk's start plus
   *       half its duration: a restart (any number, not only 0).</li>
   *   <li>Otherwise within the window: a repeat if that number arrived, else out of order; below
   *       the window: out of order, except that 0 is taken as a restart.</li>
   * </ul>
   */
  public static Decision observe(State state, long sequence, long startMicros, long durationMicros) {
    Decision decision = classify(state, sequence, startMicros, durationMicros);
    state.refusedInARow = decision.kind() == Kind.IMPLAUSIBLE ? state.refusedInARow + 1 : 0;
    return decision;
  }

  private static Decision classify(State state, long sequence, long startMicros,
      long durationMicros) {
    long highest = state.highest;
    if (sequence > highest) {
      long jump = sequence - highest; // > 0, no overflow: both are >= 0
      if (jump > WINDOW && state.knowsTime()
          && !timeBacksJump(state, jump, startMicros, durationMicros)) {
        return state.refusedInARow + 1 < WINDOW
            ? new Decision(Kind.IMPLAUSIBLE, jump - 1)
            : restart(state, sequence, startMicros, durationMicros);
      }
      long mask = jump >= WINDOW ? 1L : (state.seenMask << jump) | 1L;
      state.advanceTo(sequence, mask, startMicros, durationMicros);
      return jump == 1 ? new Decision(Kind.IN_ORDER, 0) : new Decision(Kind.GAP, jump - 1);
    }
    if (state.knowsTime()
        && startMicros > state.latestStartMicros + state.latestDurationMicros / 2) {
      return restart(state, sequence, startMicros, durationMicros);
    }
    long back = highest - sequence;
    if (back < WINDOW) {
      long bit = 1L << back;
      if ((state.seenMask & bit) != 0) {
        state.duplicates++;
        return new Decision(Kind.DUPLICATE, 0);
      }
      state.seenMask |= bit;
      return new Decision(Kind.OUT_OF_ORDER, 0);
    }
    if (sequence == 0) {
      // Without a later event time this is the only sign of a restart left (a producer whose
      // event clock ran ahead, as an unpaced backfill's does, or a state without event times).
      return restart(state, sequence, startMicros, durationMicros);
    }
    return new Decision(Kind.OUT_OF_ORDER, 0);
  }

  private static Decision restart(State state, long sequence, long startMicros, long durationMicros) {
    state.advanceTo(sequence, 1L, startMicros, durationMicros);
    return new Decision(Kind.RESTART, 0);
  }

  /**
   * Whether the event time advanced by at least half of what {@code jump} chunks of
   * {@code durationMicros} take: a feed that was really offline moves on in time as well.
   */
  static boolean timeBacksJump(State state, long jump, long startMicros, long durationMicros) {
    long advanced = startMicros - state.latestStartMicros; // both validated: no overflow
    return advanced >= 0 && advanced >= saturatedProduct(jump, durationMicros) / 2;
  }

  /** {@code a * b} for non-negative values, {@link Long#MAX_VALUE} when that overflows. */
  private static long saturatedProduct(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    return high != 0 || low < 0 ? Long.MAX_VALUE : low;
  }
}
