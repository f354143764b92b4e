package io.elasticast.app;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The job submitted to a {@link FlinkCluster} and watched through its REST API, for the chaos ITs. */
final class ClusterJobs {

  private ClusterJobs() {}

  /**
   * Submits the Kafka job of {@code config} with {@code flink} as its Flink configuration. The
   * cluster runs this test's classpath, so the job's classes are there and no jar is shipped.
   */
  static JobClient submit(FlinkCluster cluster, JobConfig config, Configuration flink) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
        "localhost", cluster.restPort(), flink);
    ElasticAstJob.onKafka(config, env.getConfiguration()).build(env);
    return env.executeAsync(ElasticAstJob.JOB_NAME);
  }

  /** Completed checkpoints of the job so far (from {@code /jobs/ID/checkpoints}); -1 if unknown. */
  static int completedCheckpoints(FlinkCluster cluster, String jobId) {
    Matcher m = Pattern.compile("\"completed\"\\s*:\\s*(\\d+)")
        .matcher(cluster.rest("/jobs/" + jobId + "/checkpoints"));
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** Waits until the job has completed at least {@code n} more checkpoints than {@code after}. */
  static void awaitCheckpoints(FlinkCluster cluster, String jobId, int after, int n, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (completedCheckpoints(cluster, jobId) < after + n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fewer than " + n + " checkpoints completed in " + timeout.toSeconds()
            + " s: " + cluster.rest("/jobs/" + jobId + "/checkpoints"));
      }
      Thread.sleep(250);
    }
  }

  /** The job's state from {@code /jobs/ID} (RUNNING, ...), or empty while the REST API is down. */
  static String state(FlinkCluster cluster, String jobId) {
    Matcher m = Pattern.compile("\"state\"\\s*:\\s*\"([A-Z_]+)\"").matcher(cluster.rest("/jobs/" + jobId));
    return m.find() ? m.group(1) : "";
  }

  /** Waits until the job is in {@code state}. */
  static void awaitState(FlinkCluster cluster, String jobId, String state, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!state(cluster, jobId).equals(state)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("job " + jobId + " not " + state + " after " + timeout.toSeconds()
            + " s: " + cluster.rest("/jobs/" + jobId) + "\n" + cluster.logTails(30));
      }
      Thread.sleep(250);
    }
  }

  /** Cancels the job through the REST API (works whichever JobManager now leads). */
  static void cancel(FlinkCluster cluster, String jobId) throws Exception {
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
            "http://localhost:" + cluster.restPort() + "/jobs/" + jobId + "?mode=cancel"))
        .method("PATCH", java.net.http.HttpRequest.BodyPublishers.noBody()).build();
    java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.discarding());
    awaitState(cluster, jobId, "CANCELED", Duration.ofSeconds(60));
  }
}
