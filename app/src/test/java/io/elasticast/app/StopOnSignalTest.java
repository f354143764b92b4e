package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class StopOnSignalTest {

  @Test
  void shouldStopTheCommandAndHoldTheJvmUntilTheCommandHasShutDown() throws Exception {
    CountDownLatch stop = new CountDownLatch(1);
    StopOnSignal signals = new StopOnSignal("test", stop, Duration.ofSeconds(30));
    Thread hook = signals.hook();
    hook.start(); // what the JVM does on Ctrl-C / SIGTERM
    assertThat(stop.await(5, java.util.concurrent.TimeUnit.SECONDS)).as("stop counted down").isTrue();
    Thread.sleep(300);
    assertThat(hook.isAlive()).as("the hook waits for the command's orderly end").isTrue();
    signals.close();
    hook.join(5_000);
    assertThat(hook.isAlive()).as("the hook returns once the command has closed").isFalse();
  }

  @Test
  void shouldTakeSigtermWithoutStartingTheJvmsShutdown() throws Exception {
    CountDownLatch stop = new CountDownLatch(1);
    try (StopOnSignal signals = new StopOnSignal("test", stop, Duration.ofSeconds(30))) {
      assertThat(signals.signals()).extracting(sun.misc.Signal::getName).containsExactly("INT", "TERM");
      sun.misc.Signal.raise(new sun.misc.Signal("TERM"));
      assertThat(stop.await(5, java.util.concurrent.TimeUnit.SECONDS)).as("stop counted down").isTrue();
      // the JVM is not shutting down: a shutdown hook could not be added if it were
      Thread probe = new Thread(() -> { });
      Runtime.getRuntime().addShutdownHook(probe);
      assertThat(Runtime.getRuntime().removeShutdownHook(probe)).isTrue();
      assertThat(signals.hook().isAlive()).as("the fallback hook did not run").isFalse();
    }
  }

  @Test
  void shouldGiveUpWaitingAfterTheGrace() throws Exception {
    StopOnSignal signals = new StopOnSignal("test", new CountDownLatch(1), Duration.ofMillis(200));
    try {
      Thread hook = signals.hook();
      hook.start();
      hook.join(5_000);
      assertThat(hook.isAlive()).isFalse();
    } finally {
      signals.close();
    }
  }
}
