package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryTest {

  @Test
  void shouldGiveTheSameJobTheSameIdAndAnotherJobAnother() {
    JobConfig a = JobConfig.defaults();
    JobConfig b = JobConfig.defaults();
    assertThat(Recovery.jobId(a)).isEqualTo(Recovery.jobId(b));
    b.kafka.groupId = "other";
    assertThat(Recovery.jobId(a)).isNotEqualTo(Recovery.jobId(b));
    b = JobConfig.defaults();
    b.sink.transactionalIdPrefix = "other";
    assertThat(Recovery.jobId(a)).isNotEqualTo(Recovery.jobId(b));
  }

  @Test
  void shouldFindTheNewestCompleteCheckpointOfTheJobOnly(@TempDir Path storage) throws Exception {
    JobID job = Recovery.jobId(JobConfig.defaults());
    assertThat(Recovery.latestCheckpoint(storage, job)).isEmpty();
    Path dir = storage.resolve(job.toHexString());
    for (int n : new int[] {3, 12, 9}) {
      Files.createDirectories(dir.resolve("chk-" + n));
      Files.writeString(dir.resolve("chk-" + n).resolve("_metadata"), "m");
    }
    Files.createDirectories(dir.resolve("chk-13")); // being written when the process was killed
    Files.createDirectories(dir.resolve("shared"));
    Files.createDirectories(storage.resolve(new JobID().toHexString()).resolve("chk-99"));
    assertThat(Recovery.latestCheckpoint(storage, job)).contains(dir.resolve("chk-12"));
  }

  @Test
  void shouldBoundRestartsUnlessTheClusterChoseItsOwnStrategy() {
    Configuration mine = Recovery.withRestartDefaults(new Configuration());
    assertThat(mine.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
    assertThat(mine.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
        .isEqualTo(Recovery.MAX_ATTEMPTS);
    Configuration theirs = new Configuration();
    theirs.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    assertThat(Recovery.withRestartDefaults(theirs).get(RestartStrategyOptions.RESTART_STRATEGY))
        .isEqualTo("none");
  }
}
