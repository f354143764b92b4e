package io.elasticast.app;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code elasticast cluster}: a real Flink session cluster, one JVM per JobManager and TaskManager. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Run a Flink session cluster on this machine (a JobManager and N TaskManagers, "
        + "each its own process) until Ctrl-C; submit with `job --target remote --jobmanager HOST:PORT`.")
public final class ClusterCommand implements Callable<Integer> {

  static final String READY_PREFIX = "Flink cluster ready: jobmanager=";

  @Spec CommandSpec spec;

  @Option(names = "--taskmanagers", description = "TaskManagers (default: ${DEFAULT-VALUE}).")
  int taskManagers = 2;

  @Option(names = "--slots", description = "Slots per TaskManager (default: ${DEFAULT-VALUE}).")
  int slots = 2;

  @Option(names = "--port", description = "REST and web UI port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port = 8081;

  @Option(names = "--metrics-ports", paramLabel = "PORT|A-B",
      description = "Flink's Prometheus reporter in the JobManager and every TaskManager, each on the first free port of this range (default: ${DEFAULT-VALUE}; 0 turns it off).")
  String metricsPorts = "9249-9259";

  /** Counted down by Ctrl-C (the shutdown hook) or by a test. */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    if (taskManagers < 1 || slots < 1) {
      spec.commandLine().getErr().println("error: --taskmanagers and --slots must be at least 1");
      return 2;
    }
    FlinkPrometheus.Ports ports;
    try {
      ports = FlinkPrometheus.Ports.parse(metricsPorts);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: --metrics-ports " + e.getMessage());
      return 2;
    }
    if (!ports.off() && ports.last() - ports.first() + 1 < taskManagers + 1) {
      spec.commandLine().getErr().println("error: --metrics-ports " + metricsPorts + " has fewer ports"
          + " than the cluster's " + (taskManagers + 1) + " processes (a JobManager and "
          + taskManagers + " TaskManagers)");
      return 2;
    }
    FlinkCluster cluster;
    try {
      cluster = FlinkCluster.start(FlinkCluster.Options.defaults()
          .taskManagers(taskManagers).slotsPerTaskManager(slots).restPort(port).metricsPorts(ports));
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 1;
    }
    try (StopOnSignal signals = new StopOnSignal("cluster", stop, Duration.ofSeconds(60)); cluster) {
      out.println(READY_PREFIX + cluster.jobManagerAddress() + " taskmanagers=" + taskManagers
          + " slots=" + taskManagers * slots);
      if (!ports.off()) {
        var bound = cluster.metricsPorts();
        StringBuilder line = new StringBuilder("metrics (Prometheus):");
        bound.forEach((process, p) -> line.append(' ').append(process).append('=')
            .append(FlinkPrometheus.url(p)));
        out.println(line);
        if (bound.size() < taskManagers + 1) {
          spec.commandLine().getErr().println("warning: " + (taskManagers + 1 - bound.size())
              + " process(es) found no free port in " + ports.flinkValue() + " and serve no metrics");
        }
      }
      out.println("web UI: http://" + cluster.jobManagerAddress() + "  logs: " + cluster.workDir().resolve("log")
          + " (removed on exit). Press Ctrl-C to stop.");
      out.flush();
      stop.await();
      out.println("stopping the Flink cluster ...");
      out.flush();
    }
    out.println("cluster: stopped");
    out.flush();
    return 0;
  }
}
