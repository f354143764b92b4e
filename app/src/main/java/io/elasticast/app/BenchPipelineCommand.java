package io.elasticast.app;

import io.elasticast.app.bench.ChildProcess;
import io.elasticast.app.bench.CpuProfile;
import io.elasticast.app.bench.ModelCapacity;
import io.elasticast.app.bench.ProcessCpu;
import io.elasticast.app.bench.TopicLatencyProbe;
import io.elasticast.app.bench.WindowLedger;
import io.elasticast.app.live.FeedBoard;
import io.elasticast.featurizer.FeaturizerSettings;
import io.elasticast.featurizer.WindowPolicy;
import io.elasticast.inference.ModelConfig;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.NormalisedAudio;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * {@code elasticast bench pipeline}: live feeds at real-time pace through broker → normaliser →
 * job, each part a process of its own (the broker, the normaliser and ingest are child JVMs; the
 * job runs in this one), so each one's CPU is counted, and the whole machine's too. Per sink mode
 * one pipeline is started and warmed up, then each load runs in turn on it with feeds of its own;
 * every sliding window of those feeds is checked by id: none missing, none twice. Before the loads
 * it measures what the model alone serves on these cores ({@link ModelCapacity}); it ends with the
 * largest load that held in every mode, and its share of that.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = "Feeds at real-time pace through the whole pipeline: sustained feeds, latency, "
        + "CPU per process and per feed, every window checked, both sink modes.")
public final class BenchPipelineCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--feeds", split = ",", description = "Feed counts to try, e.g. 64,128,256 (default: ${DEFAULT-VALUE}).")
  List<Integer> feeds = List.of(8);

  @Option(names = "--seconds", description = "Measured seconds per load, after warm-up (default: ${DEFAULT-VALUE}).")
  int seconds = 30;

  @Option(names = "--warmup", description = "Seconds of warm-up before the first load is measured (the JVMs' compilers settle), at most three times that until the pipeline has caught up; later loads wait until caught up, at most this long (default: ${DEFAULT-VALUE}).")
  int warmupSeconds = 60;

  @Option(names = "--delivery", description = "at-least-once, exactly-once or both (default: ${DEFAULT-VALUE}).")
  String delivery = "both";

  @Option(names = "--checkpoint-ms", description = "Checkpoint interval of the exactly-once runs, whose results become visible at each (default: ${DEFAULT-VALUE}); at-least-once runs keep the job's.")
  long checkpointMs = 1000;

  @Option(names = "--chunk-ms", description = "Audio per chunk that ingest sends (default: ${DEFAULT-VALUE}).")
  int chunkMillis = io.elasticast.ingest.IngestRunner.DEFAULT_CHUNK_MILLIS;

  @Option(names = "--model", description = "Model directory, or 'tiny' for the committed tiny test export (the pipeline's own ceiling apart from the model); default: the job's.")
  String model;

  @Option(names = "--state-backend", description = "hashmap or rocksdb (default: the job's).")
  String stateBackend;

  @Option(names = "--normaliser-threads", description = "Kafka Streams threads of the normaliser (default: ${DEFAULT-VALUE}).")
  int normaliserThreads = 1;

  @Option(names = "--config", description = "Job YAML read over the documented defaults.")
  Path config;

  @Option(names = "--profile", paramLabel = "DIR", description = "Profile each process's CPU (async-profiler: Java, native and JVM frames) over the measured seconds into DIR (collapsed stacks) and print its top frames.")
  Path profileDir;

  @Option(names = "--topic-probes", description = "Also time how soon chunks are readable on the raw"
      + " and normalised topics (consumers in this JVM: their CPU counts as the job's).")
  boolean topicProbes;

  /** The committed tiny random-weight export, for {@code --model tiny}. */
  static final String TINY_MODEL = "model/artifacts/model-tiny-random.json";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<String> modes = switch (delivery) {
      case "both" -> List.of("at-least-once", "exactly-once");
      case "at-least-once", "exactly-once" -> List.of(delivery);
      default -> throw new IllegalArgumentException("--delivery must be at-least-once, exactly-once or both");
    };
    JobConfig base = jobConfig();
    FeaturizerSettings featurizer = ElasticAstJob.featurizerSettings(base);
    long hopMillis = slidingHopMillis(base);
    ModelConfig modelConfig = ModelConfig.load(base.modelDir());
    out.printf("bench pipeline: policies %s, %d ms chunks, model %s (%s), state %s, %d cores;"
            + " latency bound p99 <= hop %d ms + 300 ms (exactly-once: + the %d ms checkpoint"
            + " interval); one warm pipeline per sink mode, loads in turn, %d s each after"
            + " catching up (first load: at least %d s of warm-up)%n",
        base.featurizer.policies, chunkMillis, modelConfig.modelId(), base.modelDir(),
        base.checkpoints.stateBackend, Runtime.getRuntime().availableProcessors(), hopMillis,
        checkpointMs, seconds, warmupSeconds);
    out.flush();

    Path audio = DemoCommand.extractDemoAudio(Files.createTempDirectory("elasticast-bench-audio-"));
    List<float[]> clips = new ArrayList<>();
    try (var files = Files.list(audio)) {
      for (Path clip : files.filter(p -> p.toString().endsWith(".wav")).sorted().toList()) {
        clips.add(FeaturesCommand.readMono(clip, NormalisedAudio.SAMPLE_RATE));
      }
    }
    ModelCapacity.Mix mix = ModelCapacity.mix(featurizer, clips, 3,
        chunkMillis * NormalisedAudio.SAMPLE_RATE / 1000);
    ModelCapacity.Result alone = ModelCapacity.measure(modelConfig,
        ElasticAstJob.inferenceSettings(base), mix, 3, 10);
    out.printf("model alone (packed batches of the job's window mix, %d threads): %.0f windows/s;"
            + " a feed makes %.2f windows per second of audio (%d windows over %.0f s of the clips)"
            + " -> %.0f feeds%n",
        base.inference.threads, alone.windowsPerSecond(), mix.windowsPerFeedSecond(),
        mix.windows().size(), mix.audioSeconds(), alone.feeds());
    out.println(String.format("%6s %-13s %9s %9s %8s %8s %8s %8s %9s %11s %6s %6s %6s %6s %7s %8s %7s %s",
        "feeds", "sink", "events/s", "expected", "p50 ms", "p99 ms", "windows", "missing", "duplicated",
        "ms/feed-s", "broker", "normal", "ingest", "job", "machine", "heap MB", "ckpt MB", "holds"));
    out.flush();

    Map<Integer, Boolean> held = new java.util.TreeMap<>();
    for (String mode : modes) {
      long bound = hopMillis + 300 + (mode.equals("exactly-once") ? checkpointMs : 0);
      runMode(mode, audio, mix, r -> {
        boolean holds = r.p99Millis <= bound && r.eventsPerSecond >= 0.9 * r.expectedPerSecond
            && r.windows.missing() == 0 && r.windows.duplicated() == 0 && r.windows.feeds() == r.feeds;
        held.merge(r.feeds, holds, Boolean::logicalAnd);
        out.println(String.format("%6d %-13s %9.1f %9.1f %8d %8d %8d %8d %9d %11.2f %6.2f %6.2f %6.2f %6.2f %6.0f%% %8.0f %7s %s",
            r.feeds, mode, r.eventsPerSecond, r.expectedPerSecond, r.p50Millis, r.p99Millis,
            r.windows.received(), r.windows.missing(), r.windows.duplicated(), r.msPerFeedSecond,
            r.cores.get("broker"), r.cores.get("normaliser"), r.cores.get("ingest"),
            r.cores.get("job"), 100 * r.machineBusy, r.heapMb,
            r.checkpointMb < 0 ? "-" : String.format("%.1f", r.checkpointMb), holds ? "yes" : "no"));
        out.println("       " + r.note);
        out.flush();
      });
    }
    int best = held.entrySet().stream().filter(Map.Entry::getValue).mapToInt(Map.Entry::getKey)
        .max().orElse(0);
    out.println("(CPU columns: cores busy per process over the measured seconds; machine: all cores;"
        + " ms/feed-s: CPU of every process per second of one feed's audio)");
    out.printf("sustained_feeds=%d capacity_fraction=%.2f%n", best, best / alone.feeds());
    return 0;
  }

  JobConfig jobConfig() {
    JobConfig c = JobConfig.load(config);
    if (model != null) {
      c.inference.modelDir = model.equals("tiny")
          ? Path.of(System.getenv().getOrDefault("ELASTICAST_HOME", ".")).resolve(TINY_MODEL).toString()
          : model;
    }
    if (stateBackend != null) {
      c.checkpoints.stateBackend = stateBackend;
    }
    return c.validate();
  }

  record Result(int feeds, double eventsPerSecond, double expectedPerSecond, long p50Millis,
      long p99Millis, WindowLedger.Count windows, Map<String, Double> cores, double machineBusy,
      double msPerFeedSecond, double heapMb, double checkpointMb, String note) {}

  /**
   * One pipeline for the sink mode, warmed up once (every JVM's compiler settles on the first
   * load), then each load in turn: ingest starts that many feeds of its own (new stream ids), the
   * run waits until the pipeline has caught up with them, measures, stops them and checks their
   * windows.
   */
  void runMode(String mode, Path audio, ModelCapacity.Mix mix,
      java.util.function.Consumer<Result> report) throws Exception {
    JobConfig c = jobConfig();
    c.sink.deliveryGuarantee = mode;
    c.source.startingOffsets = "earliest";
    if (mode.equals("exactly-once")) {
      // its results become visible at each checkpoint; at-least-once keeps the job's interval
      c.checkpoints.intervalMs = checkpointMs;
    }
    try (LocalPipeline pipeline = LocalPipeline.startBroker(
        io.elasticast.kafka.EmbeddedKafkaBroker.Options.defaults().forThroughput())) {
      Path work = pipeline.workDir();
      try (ChildProcess normaliser = ChildProcess.cli("normaliser", work.resolve("normaliser.log"),
              "1g", List.of("normalize", "--bootstrap-servers", pipeline.bootstrapServers(),
                  "--threads", Integer.toString(normaliserThreads),
                  "--state-dir", work.resolve("normaliser-state").toString(), "--metrics-port", "-1"));
          KafkaConsumer<String, ClassificationEvent> consumer = consumer(pipeline,
              pipeline.jobConfig(c))) {
        JobConfig jc = pipeline.jobConfig(c);
        var job = pipeline.startJob(ElasticAstJob.onKafka(jc), new Configuration());
        consumer.subscribe(List.of(jc.topics.events));
        boolean first = true;
        for (int n : feeds) {
          report.accept(runLoad(n, mode, first, audio, mix, pipeline, normaliser, consumer,
              job.getJobID().toString(), jc));
          first = false;
        }
      }
    }
  }

  Result runLoad(int n, String mode, boolean first, Path audio, ModelCapacity.Mix mix,
      LocalPipeline pipeline, ChildProcess normaliser,
      KafkaConsumer<String, ClassificationEvent> consumer, String jobId, JobConfig jc)
      throws Exception {
    String prefix = "load" + n;
    WindowLedger ledger = new WindowLedger(ElasticAstJob.featurizerSettings(jc).policies());
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    Path work = pipeline.workDir();
    try (ChildProcess ingest = ChildProcess.cli("ingest", work.resolve("ingest-" + n + ".log"), "1g",
        List.of("ingest", "--bootstrap-servers", pipeline.bootstrapServers(),
            "--feeds", Integer.toString(n), "--loop", "--chunk-ms", Integer.toString(chunkMillis),
            "--stream-id", prefix, "--no-progress", "--metrics-port", "-1", audio.toString()))) {
      // warm up until this load's windows arrive within a second of their end, for 5 s in a row
      // (at least 10 s; the first load also lets every JVM's compiler settle)
      long warmStart = System.nanoTime();
      long minWarm = TimeUnit.SECONDS.toNanos(first ? warmupSeconds : 10);
      long maxWarm = TimeUnit.SECONDS.toNanos(first ? 3L * warmupSeconds : warmupSeconds);
      long caughtUpSince = -1;
      while (System.nanoTime() - warmStart < maxWarm) {
        List<Long> recent = new ArrayList<>();
        for (ConsumerRecord<String, ClassificationEvent> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value().getStreamId().startsWith(prefix + "-")) {
            ledger.add(r.value());
            recent.add(System.currentTimeMillis() * 1000 - r.value().getWindowEndMicros());
          }
        }
        recent.sort(null);
        boolean caughtUp = !recent.isEmpty() && FeedBoard.percentile(recent, 0.5) < 1_000_000;
        caughtUpSince = caughtUp ? (caughtUpSince < 0 ? System.nanoTime() : caughtUpSince) : -1;
        if (caughtUpSince > 0 && System.nanoTime() - caughtUpSince > TimeUnit.SECONDS.toNanos(5)
            && System.nanoTime() - warmStart > minWarm) {
          break;
        }
      }
      double warmedSeconds = (System.nanoTime() - warmStart) / 1e9;

      Map<String, Long> pids = new LinkedHashMap<>();
      pids.put("broker", pipeline.brokerPid());
      pids.put("normaliser", normaliser.pid());
      pids.put("ingest", ingest.pid());
      pids.put("job", ProcessHandle.current().pid());
      Map<String, Path> profiles = new LinkedHashMap<>();
      if (profileDir != null) {
        Files.createDirectories(profileDir);
        for (var e : pids.entrySet()) {
          CpuProfile.start(e.getValue());
          profiles.put(e.getKey(), profileDir.resolve(n + "-" + mode + "-" + e.getKey() + ".collapsed"));
        }
      }
      Map<String, Double> cpuStart = new LinkedHashMap<>();
      pids.forEach((name, pid) -> cpuStart.put(name, ProcessCpu.seconds(pid)));
      ProcessCpu.Machine machineStart = ProcessCpu.Machine.now();
      TopicLatencyProbe rawProbe = null;
      TopicLatencyProbe normalisedProbe = null;
      if (topicProbes) {
        var raw = pipeline.topics().audioRaw;
        var rawChunks = raw.valueSerde().deserializer();
        rawProbe = new TopicLatencyProbe(pipeline.bootstrapServers(), raw.name(), false,
            v -> rawChunks.deserialize(raw.name(), v).getEventTimeStartMicros() / 1000 + chunkMillis);
        normalisedProbe = new TopicLatencyProbe(pipeline.bootstrapServers(),
            pipeline.topics().audioNormalised.name(), true, null);
      }
      List<Long> latencies = new ArrayList<>();
      Map<String, List<Long>> latenciesByPolicy = new java.util.TreeMap<>();
      List<Long> inJob = new ArrayList<>();
      List<Long> outsideInference = new ArrayList<>();
      long counted = 0;
      double heapMax = 0;
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        for (ConsumerRecord<String, ClassificationEvent> r : consumer.poll(Duration.ofMillis(100))) {
          if (r.value().getStreamId().startsWith(prefix + "-")) {
            long latency = System.currentTimeMillis() * 1000 - r.value().getWindowEndMicros();
            latencies.add(latency);
            latenciesByPolicy.computeIfAbsent(String.valueOf(r.value().getWindowPolicy()),
                k -> new ArrayList<>()).add(latency);
            inJob.add(r.value().getProcessingLatencyMicros());
            outsideInference.add(latency - r.value().getProcessingLatencyMicros());
            ledger.add(r.value());
            counted++;
          }
        }
        heapMax = Math.max(heapMax, memory.getHeapMemoryUsage().getUsed() / 1e6);
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      String probes = "";
      if (topicProbes) {
        rawProbe.close();
        normalisedProbe.close();
        probes = String.format("; chunks readable after ingest sent them, p50/p99 ms: raw %s,"
                + " normalised (read committed) %s; raw chunks readable after their audio's end %s",
            p50p99(rawProbe.sinceSent(), 1), p50p99(normalisedProbe.sinceSent(), 1),
            p50p99(rawProbe.behindAudio(), 1));
      }
      ProcessCpu.Machine machineEnd = ProcessCpu.Machine.now();
      Map<String, Double> cores = new LinkedHashMap<>();
      double cpuSeconds = 0;
      for (var e : pids.entrySet()) {
        double used = ProcessCpu.seconds(e.getValue()) - cpuStart.get(e.getKey());
        cores.put(e.getKey(), used / elapsed);
        cpuSeconds += used;
      }
      // after the CPU is read: stopping a profiler writes its stacks, in the profiled process
      for (var e : profiles.entrySet()) {
        CpuProfile.stop(pids.get(e.getKey()), e.getValue());
      }
      double checkpointMb = -1;
      String note = String.format("warm-up %.0f s; CPU: these processes %.2f cores of %.2f busy",
          warmedSeconds, cpuSeconds / elapsed,
          machineEnd.busySince(machineStart) * Runtime.getRuntime().availableProcessors());
      note += "; " + latencyBreakdown(latenciesByPolicy, inJob, outsideInference) + probes;
      var latest = latestCheckpoint(pipeline.webUiPort(), jobId);
      if (latest != null) {
        checkpointMb = latest.stateBytes() / 1e6;
        note += String.format("; checkpoint %d: %.1f MB (%.1f KB per feed of this load), %d ms end"
                + " to end, %d completed, %d failed", latest.id(), latest.stateBytes() / 1e6,
            latest.stateBytes() / 1e3 / n, latest.durationMillis(), latest.completed(),
            latest.failed());
        if (latest.failed() > 0) {
          note += " (the last: " + latest.lastFailure() + ")";
        }
      }
      if (!profiles.isEmpty()) {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("  profile, %d feeds %s: share of each process's CPU samples by top frame%n", n, mode);
        CpuProfile.print(out, profiles, 12);
        out.flush();
      }

      // stop this load's sources, then take what is still on its way
      long stoppedMicros = System.currentTimeMillis() * 1000;
      ingest.close();
      long quietFor = mode.equals("exactly-once") ? checkpointMs + 4_000 : 4_000;
      long lastNew = System.nanoTime();
      long deadline = lastNew + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() - lastNew < TimeUnit.MILLISECONDS.toNanos(quietFor)
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, ClassificationEvent> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value().getStreamId().startsWith(prefix + "-")) {
            lastNew = System.nanoTime();
            ledger.add(r.value());
          }
        }
      }
      latencies.sort(null);
      WindowLedger.Count count = ledger.count(
          stoppedMicros - chunkMillis * 1000L - TimeUnit.MILLISECONDS.toMicros(500));
      return new Result(n, counted / elapsed, n * mix.windowsPerFeedSecond(),
          FeedBoard.percentile(latencies, 0.5) / 1000, FeedBoard.percentile(latencies, 0.99) / 1000,
          count, cores, machineEnd.busySince(machineStart), cpuSeconds * 1000 / (n * elapsed),
          heapMax, checkpointMb, note);
    }
  }

  /**
   * Latency p50/p99 (µs in, ms out) per window policy (a segment's end is known only once the
   * segment detector closes it), inside the inference operator (the events' processingLatencyMicros:
   * arrival -> event emitted) and in the rest of the path, to tell where a latency tail comes from.
   */
  static String latencyBreakdown(Map<String, List<Long>> byPolicy, List<Long> inOperator,
      List<Long> rest) {
    StringBuilder b = new StringBuilder("latency p50/p99 ms by policy:");
    byPolicy.forEach((policy, values) -> b.append(String.format(" %s %s (%d windows)", policy,
        p50p99(values, 1000), values.size())));
    return b.append("; window ready -> event emitted in the job ").append(p50p99(inOperator, 1000))
        .append("; the rest (before the inference operator and after it) ").append(p50p99(rest, 1000))
        .toString();
  }

  /** "p50/p99" of {@code values} (any order), each divided by {@code unit}. */
  static String p50p99(List<Long> values, long unit) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return FeedBoard.percentile(sorted, 0.5) / unit + "/" + FeedBoard.percentile(sorted, 0.99) / unit;
  }

  private static KafkaConsumer<String, ClassificationEvent> consumer(LocalPipeline pipeline, JobConfig c) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        c.sink.deliveryGuarantee.equals("exactly-once") ? "read_committed" : "read_uncommitted");
    var topic = pipeline.topics().events;
    return new KafkaConsumer<>(p, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
  }

  /** The latest completed checkpoint, from the job's REST API; null when there is none yet. */
  record Checkpoint(long id, long stateBytes, long durationMillis, long completed, long failed,
      String lastFailure) {}

  static Checkpoint latestCheckpoint(int restPort, String jobId) {
    try {
      String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://localhost:" + restPort + "/jobs/" + jobId + "/checkpoints")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
      var completed = json.path("latest").path("completed");
      if (completed.isMissingNode() || completed.isNull()) {
        return null;
      }
      return new Checkpoint(completed.path("id").asLong(), completed.path("state_size").asLong(),
          completed.path("end_to_end_duration").asLong(), json.path("counts").path("completed").asLong(),
          json.path("counts").path("failed").asLong(),
          // a checkpoint Flink could not trigger (tasks still deploying) counts as failed but
          // leaves no history entry
          json.path("latest").path("failed").path("failure_message").asText(
              "none in the history: not triggered"));
    } catch (Exception e) {
      return null;
    }
  }

  static long slidingHopMillis(JobConfig c) {
    return ElasticAstJob.featurizerSettings(c).policies().stream()
        .filter(p -> p.kind() == WindowPolicy.Kind.SLIDING)
        .mapToLong(p -> (long) p.hopFrames() * p.frameShiftMs()).min().orElse(500);
  }
}
