package io.elasticast.inference;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Windows waiting for an inference call. A batch is due when the waiting tokens fill the token
 * budget (a busy system packs densely) or when the oldest window has waited {@code maxDelayMillis}
 * (a quiet system still answers quickly). Bounded: when {@link #isFull()} the caller must run a
 * batch before offering more — in Flink that blocks the operator thread, which is backpressure,
 * never a drop. Pure and clock-free: callers pass the time.
 *
 * @param <T> the waiting item (a window, or a window with its arrival time)
 */
public final class PackingQueue<T> {

  /** One waiting item with its token count and arrival time (ms). */
  public record Waiting<T>(T item, int tokens, long arrivalMillis) {}

  public static final long DEFAULT_MAX_DELAY_MILLIS = 200;

  private final int tokenBudget;
  private final long maxDelayMillis;
  private final int maxWaiting;
  private final ArrayDeque<Waiting<T>> waiting = new ArrayDeque<>();
  private long waitingTokens;

  /**
   * @param tokenBudget real tokens that make a batch due (and the most one batch takes)
   * @param maxDelayMillis longest a window waits before its batch is due
   * @param maxWaiting most windows held before the caller must run a batch
   */
  public PackingQueue(int tokenBudget, long maxDelayMillis, int maxWaiting) {
    if (tokenBudget <= 0 || maxDelayMillis < 0 || maxWaiting <= 0) {
      throw new IllegalArgumentException("need tokenBudget > 0, maxDelayMillis >= 0, maxWaiting > 0");
    }
    this.tokenBudget = tokenBudget;
    this.maxDelayMillis = maxDelayMillis;
    this.maxWaiting = maxWaiting;
  }

  /** Adds an item; refuses (IllegalStateException) when full — run a batch first. */
  public void add(T item, int tokens, long arrivalMillis) {
    if (isFull()) {
      throw new IllegalStateException("packing queue full (" + maxWaiting + " windows): run a batch first");
    }
    waiting.addLast(new Waiting<>(item, tokens, arrivalMillis));
    waitingTokens += tokens;
  }

  /** Restores items (e.g. from a checkpoint) in their original order, ignoring the bound. */
  public void restore(Collection<Waiting<T>> items) {
    for (Waiting<T> w : items) {
      waiting.addLast(w);
      waitingTokens += w.tokens();
    }
  }

  public boolean isFull() {
    return waiting.size() >= maxWaiting;
  }

  public boolean isEmpty() {
    return waiting.isEmpty();
  }

  public int size() {
    return waiting.size();
  }

  public long tokens() {
    return waitingTokens;
  }

  /** The smallest {@code key} over the waiting items; {@code ifEmpty} when none wait. */
  public long min(ToLongFunction<T> key, long ifEmpty) {
    long min = ifEmpty;
    for (Waiting<T> w : waiting) {
      min = Math.min(min, key.applyAsLong(w.item()));
    }
    return min;
  }

  /** When the oldest waiting item's batch becomes due; Long.MAX_VALUE when nothing waits. */
  public long deadline() {
    return waiting.isEmpty() ? Long.MAX_VALUE : waiting.peekFirst().arrivalMillis() + maxDelayMillis;
  }

  /** Whether a batch should run now: budget filled, queue full, or the oldest item's deadline passed. */
  public boolean isDue(long nowMillis) {
    return !waiting.isEmpty()
        && (waitingTokens >= tokenBudget || isFull() || nowMillis >= deadline());
  }

  /**
   * Takes the next batch: the oldest items, in arrival order, up to the token budget (always at
   * least one item, so a window larger than the budget still runs, alone).
   */
  public List<Waiting<T>> takeBatch() {
    List<Waiting<T>> batch = new ArrayList<>();
    long tokens = 0;
    while (!waiting.isEmpty()
        && (batch.isEmpty() || tokens + waiting.peekFirst().tokens() <= tokenBudget)) {
      Waiting<T> w = waiting.pollFirst();
      tokens += w.tokens();
      waitingTokens -= w.tokens();
      batch.add(w);
    }
    return batch;
  }

  /** All waiting items in arrival order, without removing them (for checkpoints). */
  public List<Waiting<T>> snapshot() {
    return List.copyOf(waiting);
  }
}
