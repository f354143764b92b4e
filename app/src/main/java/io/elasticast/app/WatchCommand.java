package io.elasticast.app;

import io.elasticast.app.live.FeedBoard;
import io.elasticast.app.live.LiveTopics;
import io.elasticast.app.live.LiveWatch;
import io.elasticast.app.live.WatchTerminal;
import io.elasticast.app.live.WatchView;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elasticast watch}: a terminal view of a running deployment, from its output topics alone:
 * a line per incident that opens or closes, and a per-feed status table refreshed in place.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = "Show a running deployment's incidents and what each feed hears now.")
public final class WatchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--bootstrap-servers", description = "Kafka brokers (default: from --config, else localhost:9092).")
  String bootstrapServers;

  @Option(names = "--config", description = "The job's YAML: its topics, consumer group (for the lag), alert labels and kafka.properties (TLS, SASL).")
  Path config;

  @Option(names = "--feed", paramLabel = "ID", description = "Show this feed only.")
  String feed;

  @Option(names = "--label", paramLabel = "L", description = "Show this label's incidents and scores only.")
  String label;

  @Option(names = "--from-beginning", description = "Replay the topics from their start instead of from now.")
  boolean fromBeginning;

  @Option(names = "--refresh-ms", description = "Table refresh period (default: ${DEFAULT-VALUE}).")
  long refreshMs = 1000;

  @Option(names = "--plain", description = "No in-place redraw (automatic when not on a terminal): the table every --plain-every-s.")
  boolean plain;

  @Option(names = "--plain-every-s", description = "Table period without a terminal (default: ${DEFAULT-VALUE}).")
  long plainEverySeconds = 10;

  @Option(names = "--duration", description = "Seconds to watch; 0 = until Ctrl-C (default: ${DEFAULT-VALUE}).")
  long durationSeconds;

  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    JobConfig c;
    try {
      c = JobConfig.load(config);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    if (refreshMs <= 0 || plainEverySeconds <= 0 || durationSeconds < 0) {
      spec.commandLine().getErr().println("error: --refresh-ms and --plain-every-s must be positive, --duration at least 0");
      return 2;
    }
    String servers = bootstrapServers != null ? bootstrapServers : c.kafka.bootstrapServers;
    boolean ansi = !plain && WatchTerminal.onTerminal();
    out.printf("watching %s on %s (incidents on %s%s); Ctrl-C stops%n", c.topics.events, servers,
        c.topics.incidents, feed == null ? "" : ", feed " + feed);
    out.flush();
    FeedBoard board = new FeedBoard();
    WatchView view = new WatchView(feed, label, new HashSet<>(c.alerts.labels));
    WatchTerminal terminal = new WatchTerminal(out, ansi, TimeUnit.SECONDS.toMillis(plainEverySeconds),
        ansi ? WatchTerminal.columns() : Integer.MAX_VALUE);
    long deadline = durationSeconds == 0 ? Long.MAX_VALUE
        : System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
    try (StopOnSignal signals = new StopOnSignal("watch", stop, Duration.ofSeconds(10));
        LiveWatch watch = new LiveWatch(source(c, servers, fromBeginning), board, view, terminal)) {
      if (!watch.run(stop, deadline, refreshMs)) {
        spec.commandLine().getErr().println("error: reading the topics failed: " + watch.failure());
        return 1;
      }
    }
    return 0;
  }

  /** What a view of the deployment that {@code c} describes reads. */
  static LiveTopics.Source source(JobConfig c, String servers, boolean fromBeginning) {
    return new LiveTopics.Source(servers, c.kafka.properties, c.topics.events, c.topics.incidents,
        c.topics.deadLetters, c.topics.normalised, c.kafka.groupId, fromBeginning);
  }
}
