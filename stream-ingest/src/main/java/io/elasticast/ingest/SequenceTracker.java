package io.elasticast.ingest;

/**
 * Classifies each chunk's sequence number against what the stream has delivered so far. It
 * remembers the highest number seen and which of the {@link #WINDOW} numbers below it arrived, so
 * a late chunk that fills a hole is told apart from a repeat.
 */
public final class SequenceTracker {

  /** How far back (in chunks) repeats are recognised; older numbers count as out of order. */
  public static final int WINDOW = 64;

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
    /** Number 0 long after the stream began: the producer started the feed over. */
    RESTART
  }

  public record Decision(Kind kind, long missingBefore) {}

  /** The remembered part of one stream; mutable, stored in the normaliser's state store. */
  public static final class State {
    long highest;
    long seenMask; // bit i set: chunk (highest - i) arrived
    long duplicates;

    public State(long highest, long seenMask, long duplicates) {
      this.highest = highest;
      this.seenMask = seenMask;
      this.duplicates = duplicates;
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
  }

  private SequenceTracker() {}

  /** State after a stream's first chunk. */
  public static State start(long sequence) {
    return new State(sequence, 1L, 0);
  }

  /** Classifies {@code sequence} and records it in {@code state}. */
  public static Decision observe(State state, long sequence) {
    long highest = state.highest;
    if (sequence == highest + 1) {
      state.highest = sequence;
      state.seenMask = (state.seenMask << 1) | 1L;
      return new Decision(Kind.IN_ORDER, 0);
    }
    if (sequence > highest) {
      long shift = sequence - highest;
      state.highest = sequence;
      state.seenMask = shift >= WINDOW ? 1L : (state.seenMask << shift) | 1L;
      return new Decision(Kind.GAP, shift - 1);
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
      state.highest = 0;
      state.seenMask = 1L;
      return new Decision(Kind.RESTART, 0);
    }
    return new Decision(Kind.OUT_OF_ORDER, 0);
  }
}
