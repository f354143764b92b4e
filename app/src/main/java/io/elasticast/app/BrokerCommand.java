package io.elasticast.app;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code elasticast broker}: a real single-node Kafka broker in the foreground, until Ctrl-C. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Start an embedded Kafka broker (KRaft) in the foreground and print its bootstrap address.")
public final class BrokerCommand implements java.util.concurrent.Callable<Integer> {

  static final String READY_PREFIX = "Kafka broker ready: bootstrap.servers=";

  @Spec CommandSpec spec;

  @Option(names = "--port", description = "Client port (default: ${DEFAULT-VALUE}; 0 picks a free port).")
  int port = 9092;

  @Option(names = "--partitions", description = "Partitions of the pipeline's topics (default: ${DEFAULT-VALUE}).")
  int partitions = 4;

  @Option(names = "--topics", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Create the pipeline's topics at start (default: ${DEFAULT-VALUE}).")
  boolean createTopics = true;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Keep the broker's data in DIR across restarts (default: a temp dir deleted on exit).")
  Path dataDir;

  /** Counted down by Ctrl-C (the shutdown hook) or by a test. */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    EmbeddedKafkaBroker broker;
    try {
      EmbeddedKafkaBroker.Options options = EmbeddedKafkaBroker.Options.defaults()
          .port(port).defaultPartitions(partitions);
      if (dataDir != null) {
        options.dataDir(dataDir);
      }
      broker = EmbeddedKafkaBroker.start(options);
    } catch (IllegalStateException | java.io.UncheckedIOException e) {
      // BrokerStartException says why (a port in use, a data dir that isn't a broker's ...)
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 1;
    }
    try (StopOnSignal signals = new StopOnSignal("broker", stop, Duration.ofSeconds(60)); broker) {
      if (createTopics) {
        // idempotent: on a kept data dir they are there from the last run, and stay as they were
        Map<String, Integer> topics = pipelineTopics(partitions);
        broker.createTopics(topics);
        out.println("topics: " + String.join(", ", topics.keySet()));
      }
      out.println(READY_PREFIX + broker.bootstrapServers());
      out.println(dataDir != null
          ? "data: " + broker.dataDir() + " (kept; start again with the same --data-dir and --port). Press Ctrl-C to stop."
          : "data: " + broker.dataDir() + " (deleted on exit). Press Ctrl-C to stop.");
      out.flush();
      stop.await();
      out.println(dataDir != null ? "stopping the broker (its data stays in " + dataDir + ") ..."
          : "stopping the broker and deleting its data ...");
      out.flush();
    }
    return 0;
  }

  /** The pipeline's topics, each with {@code partitions} partitions, in creation order. */
  static Map<String, Integer> pipelineTopics(int partitions) {
    Map<String, Integer> topics = new LinkedHashMap<>();
    for (String t : pipelineTopics()) {
      topics.put(t, partitions);
    }
    return topics;
  }

  static String[] pipelineTopics() {
    return new String[] {Topics.AUDIO_RAW_NAME, Topics.AUDIO_NORMALISED_NAME, Topics.EVENTS_NAME,
        Topics.INCIDENTS_NAME, Topics.ALERTS_NAME, Topics.DEAD_LETTERS_NAME};
  }
}
