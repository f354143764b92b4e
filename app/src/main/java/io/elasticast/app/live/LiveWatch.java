package io.elasticast.app.live;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The terminal view running: incident lines as the records arrive, the table refreshed every
 * {@code refreshMillis}, until stopped or a deadline. {@code watch} and {@code demo} both run it.
 */
public final class LiveWatch implements AutoCloseable {

  private final FeedBoard board;
  private final WatchView view;
  private final WatchTerminal terminal;
  private final LiveTopics topics;

  public LiveWatch(LiveTopics.Source source, FeedBoard board, WatchView view, WatchTerminal terminal) {
    this(source, board, view, terminal, i -> { }, e -> { });
  }

  /** Also calls {@code onIncident} and {@code onEvent} for every record (on the reading thread). */
  public LiveWatch(LiveTopics.Source source, FeedBoard board, WatchView view, WatchTerminal terminal,
      java.util.function.Consumer<io.elasticast.schemas.Incident> onIncident,
      java.util.function.Consumer<io.elasticast.schemas.ClassificationEvent> onEvent) {
    this.board = board;
    this.view = view;
    this.terminal = terminal;
    this.topics = LiveTopics.start(source, board, i -> {
      terminal.incident(view.incidentLine(i));
      onIncident.accept(i);
    }, onEvent);
  }

  /**
   * Refreshes the table until {@code stop} is counted down or {@code deadlineNanos}
   * ({@link System#nanoTime}) passes; returns false if reading the topics failed.
   */
  public boolean run(CountDownLatch stop, long deadlineNanos, long refreshMillis)
      throws InterruptedException {
    while (System.nanoTime() < deadlineNanos && topics.failure() == null) {
      terminal.table(view.table(board.snapshot(System.currentTimeMillis() * 1000)),
          System.currentTimeMillis());
      long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
      if (stop.await(Math.max(1, Math.min(refreshMillis, left)), TimeUnit.MILLISECONDS)) {
        break;
      }
    }
    // the final state, whatever the refresh schedule, then leave it on screen
    terminal.table(view.table(board.snapshot(System.currentTimeMillis() * 1000)), Long.MAX_VALUE / 2);
    terminal.release();
    return topics.failure() == null;
  }

  public Throwable failure() {
    return topics.failure();
  }

  @Override
  public void close() {
    topics.close();
  }
}
