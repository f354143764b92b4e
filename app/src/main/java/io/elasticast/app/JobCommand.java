package io.elasticast.app;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code elasticast job}: the Kafka-to-Kafka pipeline, locally (MiniCluster) or on a Flink cluster. */
@Command(
    name = "job",
    mixinStandardHelpOptions = true,
    description = "Run the classification job: normalised chunks in, events and alerts out.")
public final class JobCommand implements Callable<Integer> {

  enum Target { local, remote }

  @Spec CommandSpec spec;

  @Option(names = "--config", description = "Job YAML read over the documented defaults.")
  Path config;

  @Option(names = "--bootstrap-servers", description = "Overrides kafka.bootstrap-servers.")
  String bootstrapServers;

  @Option(names = "--target", description = "local (MiniCluster with web UI) or remote (default: ${DEFAULT-VALUE}).")
  Target target = Target.local;

  @Option(names = "--jobmanager", description = "HOST:PORT of the remote JobManager's REST endpoint.")
  String jobManager;

  @Override
  public Integer call() throws Exception {
    JobConfig c;
    try {
      c = JobConfig.load(config);
      if (bootstrapServers != null) {
        c.kafka.bootstrapServers = bootstrapServers;
      }
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    StreamExecutionEnvironment env;
    if (target == Target.remote) {
      if (jobManager == null || !jobManager.contains(":")) {
        spec.commandLine().getErr().println("error: --target remote needs --jobmanager HOST:PORT");
        return 2;
      }
      String host = jobManager.substring(0, jobManager.lastIndexOf(':'));
      int port = Integer.parseInt(jobManager.substring(jobManager.lastIndexOf(':') + 1));
      env = StreamExecutionEnvironment.createRemoteEnvironment(host, port, appJar());
    } else {
      int uiPort = freePort();
      Configuration conf = new Configuration();
      conf.set(RestOptions.PORT, uiPort);
      conf.set(RestOptions.ADDRESS, "localhost");
      env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
      spec.commandLine().getOut().println("Flink web UI: http://localhost:" + uiPort);
    }
    spec.commandLine().getOut().println("job: " + c.topics.normalised + " -> " + c.topics.events
        + " / " + c.topics.alerts + " on " + c.kafka.bootstrapServers);
    spec.commandLine().getOut().flush();
    ElasticAstJob.onKafka(c).execute(env);
    return 0;
  }

  /** The fat jar this class was loaded from: what a remote cluster needs to run the job. */
  static String appJar() {
    return Path.of(JobCommand.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
