package io.elasticast.app;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C / SIGTERM for a long-running command. The JVM shutdown hook counts {@code stop} down, so
 * the command's own thread ends its work in order, and then keeps the JVM alive (up to
 * {@code grace}) until the command has closed this: without the wait the JVM exits as soon as the
 * hooks return, in the middle of the command's flushes, commits and closes.
 *
 * <pre>
 *   try (StopOnSignal signals = new StopOnSignal("demo", stop, Duration.ofSeconds(60))) {
 *     ... run until stop is counted down, then shut down in order ...
 *   }
 * </pre>
 */
final class StopOnSignal implements AutoCloseable {

  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread hook;

  StopOnSignal(String command, CountDownLatch stop, Duration grace) {
    hook = new Thread(() -> {
      stop.countDown();
      try {
        finished.await(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, command + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** The registered hook (tests run it by hand: a real one runs only at JVM exit). */
  Thread hook() {
    return hook;
  }

  /** The command has shut down: a running hook may return, and a normal exit needs no hook. */
  @Override
  public void close() {
    finished.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // Ctrl-C: the hook is running and returns now that `finished` is counted down.
    }
  }
}
