package io.elasticast.app;

import io.elasticast.ingest.IngestRunner;
import io.elasticast.ingest.KafkaChunkSink;
import io.elasticast.ingest.Ticker;
import io.elasticast.schemas.ClassificationEvent;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code elasticast bench pipeline}: N live feeds at real-time pace through broker → normaliser →
 * job, measuring sustained event rate and end-to-end latency (chunk event time of a window's last
 * sample → event readable on the events topic). With {@code --feeds a,b,c} it runs each load in
 * turn on a fresh pipeline and reports the largest that holds real time within the latency bound.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = "Feeds at real-time pace through the whole pipeline: sustained feeds, events/s, latency p50/p99, CPU, heap.")
public final class BenchPipelineCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--feeds", split = ",", description = "Feed counts to try, e.g. 8,16,32 (default: ${DEFAULT-VALUE}).")
  List<Integer> feeds = List.of(8);

  @Option(names = "--seconds", description = "Measured seconds per load, after warm-up (default: ${DEFAULT-VALUE}).")
  int seconds = 30;

  @Option(names = "--warmup", description = "Seconds before measuring (default: ${DEFAULT-VALUE}).")
  int warmupSeconds = 10;

  @Option(names = "--delivery", description = "Sink guarantee: at-least-once measures the pipeline itself; exactly-once adds up to one checkpoint interval (default: ${DEFAULT-VALUE}).")
  String delivery = "at-least-once";

  @Option(names = "--config", description = "Job YAML read over the documented defaults.")
  java.nio.file.Path config;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    JobConfig base = JobConfig.load(config);
    long hopMillis = slidingHopMillis(base);
    long boundMillis = hopMillis + 300;
    out.printf("bench pipeline: policies %s, delivery %s, latency bound p99 <= hop %d ms + 300 ms; %d s per load after %d s warm-up%n",
        base.featurizer.policies, delivery, hopMillis, seconds, warmupSeconds);
    out.println(String.format("%6s %10s %10s %9s %9s %8s %8s %s", "feeds", "events/s", "expected/s",
        "p50 ms", "p99 ms", "cpu %", "heap MB", "holds"));
    out.flush();
    int best = 0;
    for (int n : feeds) {
      Result r = runLoad(n, JobConfig.load(config));
      boolean holds = r.p99Millis <= boundMillis && r.eventsPerSecond >= 0.9 * r.expectedPerSecond;
      if (holds) {
        best = Math.max(best, n);
      }
      out.println(String.format("%6d %10.1f %10.1f %9d %9d %8.0f %8.0f %s", n, r.eventsPerSecond,
          r.expectedPerSecond, r.p50Millis, r.p99Millis, r.cpuPercent, r.heapMb, holds ? "yes" : "no"));
      out.flush();
    }
    out.println("sustained_feeds=" + best + " (largest load with p99 <= " + boundMillis
        + " ms and >= 90% of the expected event rate)");
    return 0;
  }

  record Result(double eventsPerSecond, double expectedPerSecond, long p50Millis, long p99Millis,
      double cpuPercent, double heapMb) {}

  Result runLoad(int n, JobConfig jobConfig) throws Exception {
    jobConfig.sink.deliveryGuarantee = delivery;
    jobConfig.source.startingOffsets = "latest";
    try (LocalPipeline pipeline = LocalPipeline.startBroker()) {
      pipeline.startNormaliser(LocalPipeline.quiet());
      JobConfig c = pipeline.jobConfig(jobConfig);
      pipeline.startJob(ElasticAstJob.onKafka(c), new Configuration());
      var audio = DemoCommand.extractDemoAudio(pipeline.workDir().resolve("audio"));
      KafkaChunkSink sink = new KafkaChunkSink(pipeline.bootstrapServers(), pipeline.topics().audioRaw);
      IngestRunner ingest = new IngestRunner(new IngestRunner.Options(List.of(audio.toString()), n, true,
          true, IngestRunner.DEFAULT_CHUNK_MILLIS, null, null), sink, Ticker.system(), Clock.systemUTC(),
          LocalPipeline.quiet(), false);
      Thread t = new Thread(ingest::run, "bench-ingest");
      t.setDaemon(true);
      t.start();

      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      List<Long> latencies = new ArrayList<>();
      long counted = 0;
      double heapMax = 0;
      try (KafkaConsumer<String, ClassificationEvent> consumer = consumer(pipeline, c)) {
        consumer.subscribe(List.of(c.topics.events));
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        while (System.nanoTime() < warmEnd) {
          consumer.poll(Duration.ofMillis(200));
        }
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
          for (ConsumerRecord<String, ClassificationEvent> r : consumer.poll(Duration.ofMillis(100))) {
            long now = System.currentTimeMillis() * 1000;
            latencies.add(now - r.value().getWindowEndMicros());
            counted++;
          }
          heapMax = Math.max(heapMax, memory.getHeapMemoryUsage().getUsed() / 1e6);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpuStart) / 1e9 / elapsed / os.getAvailableProcessors() * 100;
        latencies.sort(null);
        ingest.stop();
        sink.close();
        return new Result(counted / elapsed, n * expectedWindowsPerFeedSecond(c),
            io.elasticast.app.live.FeedBoard.percentile(latencies, 0.5) / 1000,
            io.elasticast.app.live.FeedBoard.percentile(latencies, 0.99) / 1000, cpu, heapMax);
      }
    }
  }

  private static KafkaConsumer<String, ClassificationEvent> consumer(LocalPipeline pipeline, JobConfig c) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        c.sink.deliveryGuarantee.equals("exactly-once") ? "read_committed" : "read_uncommitted");
    var topic = pipeline.topics().events;
    return new KafkaConsumer<>(p, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
  }

  /** Sliding windows per second of audio, summed over the sliding policies (segments vary). */
  static double expectedWindowsPerFeedSecond(JobConfig c) {
    return ElasticAstJob.featurizerSettings(c).policies().stream()
        .filter(p -> p.kind() == io.elasticast.featurizer.WindowPolicy.Kind.SLIDING)
        .mapToDouble(p -> 1000.0 / (p.hopFrames() * p.frameShiftMs())).sum();
  }

  static long slidingHopMillis(JobConfig c) {
    return ElasticAstJob.featurizerSettings(c).policies().stream()
        .filter(p -> p.kind() == io.elasticast.featurizer.WindowPolicy.Kind.SLIDING)
        .mapToLong(p -> (long) p.hopFrames() * p.frameShiftMs()).min().orElse(500);
  }
}
