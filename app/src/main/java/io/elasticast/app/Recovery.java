package io.elasticast.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;

/**
 * How a job started by this CLI survives failures and restarts: Flink restarts it from its latest
 * checkpoint with a bounded exponential backoff, and gives up (the job fails, the process exits
 * non-zero with the reason) when it keeps failing, so a supervisor restarts the process instead of
 * it sitting alive and silent. A new process finds the latest checkpoint of the same job, whose id
 * is fixed by what makes it the same job: its consumer group, output transactions and input topic.
 */
final class Recovery {

  /** Restarts in a row (without a minute of stable running between) before the job fails. */
  static final int MAX_ATTEMPTS = 20;
  static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  static final Duration STABLE_AFTER = Duration.ofMinutes(1);

  private Recovery() {}

  /** The restart strategy, unless {@code conf} already names one (a cluster's own choice wins). */
  static Configuration withRestartDefaults(Configuration conf) {
    if (!conf.contains(RestartStrategyOptions.RESTART_STRATEGY)) {
      conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, INITIAL_BACKOFF);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, MAX_BACKOFF);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, 2.0);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD, STABLE_AFTER);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.1);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, MAX_ATTEMPTS);
    }
    return conf;
  }

  /** The same job id for every run of the same job, so its checkpoints are found again. */
  static JobID jobId(JobConfig c) {
    String identity = ElasticAstJob.JOB_NAME + "|" + c.kafka.groupId + "|" + c.sink.transactionalIdPrefix
        + "|" + c.topics.normalised;
    UUID id = UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8));
    return new JobID(id.getMostSignificantBits(), id.getLeastSignificantBits());
  }

  /**
   * The newest complete checkpoint of {@code job} under {@code storage} ({@code <dir>/<job id>/chk-N}
   * with its {@code _metadata}), if any.
   */
  static Optional<Path> latestCheckpoint(Path storage, JobID job) throws IOException {
    Path jobDir = storage.resolve(job.toHexString());
    if (!Files.isDirectory(jobDir)) {
      return Optional.empty();
    }
    try (Stream<Path> dirs = Files.list(jobDir)) {
      return dirs.filter(d -> d.getFileName().toString().matches("chk-\\d+"))
          .filter(d -> isComplete(d.resolve("_metadata")))
          .max(Comparator.comparingLong(d -> Long.parseLong(d.getFileName().toString().substring(4))));
    }
  }

  private static boolean isComplete(Path metadata) {
    try {
      return Files.isRegularFile(metadata) && Files.size(metadata) > 0;
    } catch (IOException e) {
      return false;
    }
  }
}
