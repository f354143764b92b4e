package io.elasticast.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C / SIGTERM for a long-running command: the command's own thread ends its work in order.
 *
 * <p>SIGINT and SIGTERM are taken over while the command runs, so they count {@code stop} down
 * without starting the JVM's shutdown. A shutdown would run every shutdown hook at once, and ONNX
 * Runtime's releases its native environment while an inference call may still be running on it
 * (a SIGSEGV in {@code OrtSession.run}). A second signal exits at once with 128 + the signal's
 * number. Other ways out (SIGHUP, {@code System.exit} elsewhere) still go through a shutdown hook
 * that counts {@code stop} down and holds the JVM up to {@code grace} for the command to finish.
 *
 * <pre>
 *   try (StopOnSignal signals = new StopOnSignal("demo", stop, Duration.ofSeconds(60))) {
 *     ... run until stop is counted down, then shut down in order ...
 *   }
 * </pre>
 */
final class StopOnSignal implements AutoCloseable {

  static final List<String> SIGNALS = List.of("INT", "TERM");

  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread hook;
  private final List<Signal> taken = new ArrayList<>();
  private final List<SignalHandler> previous = new ArrayList<>();
  private final AtomicInteger received = new AtomicInteger();

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
    for (String name : SIGNALS) {
      Signal signal = new Signal(name);
      try {
        previous.add(Signal.handle(signal, s -> {
          if (received.incrementAndGet() > 1) {
            System.err.println(command + ": second " + s.getName() + ", exiting now");
            Runtime.getRuntime().halt(128 + s.getNumber());
          }
          System.err.println(command + ": " + s.getName() + " received, shutting down in order"
              + " (again to exit at once)");
          stop.countDown();
        }));
        taken.add(signal);
      } catch (IllegalArgumentException unavailable) {
        // a signal the JVM keeps for itself (e.g. with -Xrs): the shutdown hook stays in charge
      }
    }
  }

  /** The registered hook (tests run it by hand: a real one runs only at JVM exit). */
  Thread hook() {
    return hook;
  }

  /** Signals taken over (tests raise them). */
  List<Signal> signals() {
    return List.copyOf(taken);
  }

  /** The command has shut down: signals go back to the JVM, a running hook may return. */
  @Override
  public void close() {
    for (int i = 0; i < taken.size(); i++) {
      Signal.handle(taken.get(i), previous.get(i));
    }
    finished.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting: the hook is running and returns now that `finished` is counted down
    }
  }
}
