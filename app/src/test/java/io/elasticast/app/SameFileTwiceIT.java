package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.ingest.IngestRunner;
import io.elasticast.ingest.KafkaChunkSink;
import io.elasticast.ingest.Ticker;
import io.elasticast.schemas.ClassificationEvent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The same file ingested twice under the same stream id (sequence numbers start over, event times
 * are later): both passes come out as events through the normaliser and the job. Before, the
 * second pass got no events for an hour (the normaliser dropped its chunks as duplicates) or until
 * its numbers passed the first pass's (the featurizer dropped every seq below the next expected).
 */
class SameFileTwiceIT {

  /** water.wav is 6 s at 16 kHz: 598 frames at 10 ms, so 1 s windows (96 frames) every 0.5 s start 11 times. */
  static final int SLIDING_PER_PASS = 11;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void shouldEmitEventsForBothPassesOfTheSameFile() throws Exception {
    try (LocalPipeline pipeline = LocalPipeline.startBroker().startNormaliser(LocalPipeline.quiet())) {
      JobConfig config = pipeline.jobConfig(JobConfig.defaults());
      config.checkpoints.intervalMs = 500;
      config.inference.modelDir = Path.of("..", "model", "artifacts").toAbsolutePath().toString();
      pipeline.startJob(ElasticAstJob.onKafka(config.validate()), new org.apache.flink.configuration.Configuration());
      Path clips = DemoCommand.extractDemoAudio(pipeline.workDir().resolve("clips"));
      Path clip = clips.resolve("water.wav");

      ingestOnce(pipeline, clip);
      List<ClassificationEvent> first = sliding(read(pipeline, config, SLIDING_PER_PASS));
      assertThat(first).as("sliding windows of the first pass").hasSize(SLIDING_PER_PASS);
      long firstEnd = first.stream().mapToLong(ClassificationEvent::getWindowEndMicros).max().orElseThrow();

      // an unpaced pass stamps its audio from the wall clock on: the second starts after the first's
      // audio ends, as a re-run would
      while (System.currentTimeMillis() * 1000 < firstEnd + 1_500_000) {
        Thread.sleep(100);
      }
      long secondStart = System.currentTimeMillis() * 1000;
      ingestOnce(pipeline, clip);
      List<ClassificationEvent> all = sliding(read(pipeline, config, 2 * SLIDING_PER_PASS));
      List<ClassificationEvent> second = all.stream()
          .filter(e -> e.getWindowStartMicros() >= secondStart).toList();
      System.out.printf("same file twice: %d sliding windows per pass, %d after the second%n",
          first.size(), second.size());
      assertThat(second).as("the second pass is heard in full").hasSize(SLIDING_PER_PASS);
    }
  }

  static void ingestOnce(LocalPipeline pipeline, Path file) throws Exception {
    try (KafkaChunkSink sink = new KafkaChunkSink(
        KafkaChunkSink.producerProperties(pipeline.bootstrapServers()), pipeline.topics().audioRaw)) {
      IngestRunner ingest = new IngestRunner(new IngestRunner.Options(List.of(file.toString()), 1,
          false, false, IngestRunner.DEFAULT_CHUNK_MILLIS, "alarm-feed", null),
          sink, Ticker.system(), Clock.systemUTC(), System.err, false);
      assertThat(ingest.run()).isZero();
    }
  }

  static List<ClassificationEvent> read(LocalPipeline pipeline, JobConfig config, int n) {
    return KafkaClients.consume(pipeline.bootstrapServers(),
            pipeline.topics().events.withName(config.topics.events), "read_committed", n,
            Duration.ofSeconds(3), Duration.ofSeconds(90)).stream()
        .map(ConsumerRecord::value).toList();
  }

  /** The default policy's 1 s sliding windows (96 frames at 10 ms); the clip's segment is longer. */
  static List<ClassificationEvent> sliding(List<ClassificationEvent> events) {
    return events.stream().filter(e -> e.getFrames() == 96 && e.getFrameShiftMs() == 10).toList();
  }
}
