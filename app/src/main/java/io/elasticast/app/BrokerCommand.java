package io.elasticast.app;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.Topics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code elasticast broker}: a real single-node Kafka broker in the foreground, until Ctrl-C. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Start an embedded Kafka broker (KRaft) in the foreground and print its bootstrap address.")
public final class BrokerCommand implements java.util.concurrent.Callable<Integer> {

  @Option(names = "--port", description = "Client port (default: 9092; 0 picks a free port).")
  int port = 9092;

  @Option(names = "--partitions", description = "Partitions of the pipeline's topics (default: ${DEFAULT-VALUE}).")
  int partitions = 4;

  @Option(names = "--no-topics", negatable = true,
      description = "Create the pipeline's topics at start (default: true).")
  boolean createTopics = true;

  @Override
  public Integer call() throws InterruptedException {
    EmbeddedKafkaBroker broker;
    try {
      broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults()
          .port(port).defaultPartitions(partitions));
    } catch (IllegalStateException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("stopping the broker and deleting its data ...");
      broker.close();
      stopped.countDown();
    }, "broker-command-shutdown"));
    if (createTopics) {
      Map<String, Integer> topics = new LinkedHashMap<>();
      for (String t : pipelineTopics()) {
        topics.put(t, partitions);
      }
      broker.createTopics(topics);
      System.out.println("topics: " + String.join(", ", topics.keySet()));
    }
    System.out.println("Kafka broker ready: bootstrap.servers=" + broker.bootstrapServers());
    System.out.println("data: " + broker.workDir() + " (deleted on exit). Press Ctrl-C to stop.");
    stopped.await();
    return 0;
  }

  static String[] pipelineTopics() {
    return new String[] {Topics.AUDIO_RAW_NAME, Topics.AUDIO_NORMALISED_NAME, Topics.EVENTS_NAME,
        Topics.ALERTS_NAME, Topics.DEAD_LETTERS_NAME};
  }
}
