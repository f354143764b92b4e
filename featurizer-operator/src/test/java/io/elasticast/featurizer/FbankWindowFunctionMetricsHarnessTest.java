package io.elasticast.featurizer;

import io.elasticast.schemas.SpectrogramWindow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.OrderKind;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.prometheus.PrometheusReporter;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.MetricRegistryConfiguration;
import org.apache.flink.runtime.metrics.MetricRegistryImpl;
import org.apache.flink.runtime.metrics.ReporterSetup;
import org.apache.flink.runtime.metrics.filter.DefaultReporterFilters;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The featurizer's per-feed metrics as a reporter sees them: the harness runs on a real metric
 * group tree whose registry records every register and unregister call, i.e. exactly what Flink
 * hands its reporters (Prometheus included).
 */
class FbankWindowFunctionMetricsHarnessTest {

  static final FeaturizerSettings SETTINGS = FeaturizerSettings.defaults(
      List.of(WindowPolicy.sliding(1.0, 0.5, 10))).withMelBins(64);
  static final long IDLE_MILLIS = SETTINGS.idleTimeout().toMillis();
  static final long RETENTION_MILLIS = SETTINGS.retention().toMillis();
  static final long T0_MILLIS = ChunkFixtures.T0_MICROS / 1000;

  /** Identifier → metric, as registered and not yet unregistered. */
  final Map<String, Metric> registered = new ConcurrentHashMap<>();

  @Test
  void shouldReportEachFeedsLevelAndRemoveAFeedsMetricsWhenItIsForgottenUntilItReturns()
      throws Exception {
    // a: a 0.5-amplitude tone (-9.03 dBFS); b: noise of std 0.01 (-40 dBFS)
    List<AudioChunk> a = ChunkFixtures.chunks("feed-a", AudioFixtures.tone(440, 2.0, 16_000), 1_600);
    List<AudioChunk> b = ChunkFixtures.chunks("feed-b", AudioFixtures.noise(2.0, 0.01, 5), 1_600);
    try (MockEnvironment env = environment();
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new FbankWindowFunction(SETTINGS)), (FeedChunk c) -> c.streamId,
            Types.STRING, env)) {
      harness.open();
      for (int i = 0; i < a.size(); i++) {
        harness.processElement(ChunkFixtures.admitted(a.get(i)), ChunkFixtures.millis(a.get(i)));
        harness.processElement(ChunkFixtures.admitted(b.get(i)), ChunkFixtures.millis(b.get(i)));
      }
      assertThat(level("feed-a")).isCloseTo(-9.03, within(0.05));
      assertThat(level("feed-b")).isCloseTo(-40.0, within(0.5));
      assertThat(feedMetricNames("feed-a")).containsExactlyInAnyOrder("windowsEmitted",
          "framesComputed", "duplicateChunks", "gaps", "restarts", "levelDbfs");
      Counter windowsOfA = counter("feed-a", "windowsEmitted");
      assertThat(windowsOfA.getCount()).isEqualTo(windowsOut(harness, "feed-a")).isGreaterThan(1);

      // a repeated chunk is not what the feed is sending now: the level stays
      harness.processElement(ChunkFixtures.admitted(NormalisedAudio.chunk("feed-a", 0,
          ChunkFixtures.T0_MICROS, new float[1_600], NormalisedAudio.order(OrderKind.CONTINUES))),
          T0_MILLIS);
      assertThat(level("feed-a")).isCloseTo(-9.03, within(0.05));
      assertThat(counter("feed-a", "duplicateChunks").getCount()).isEqualTo(1);

      // both go idle and are flushed; b comes back a minute later, a does not
      harness.processWatermark(T0_MILLIS + 2_000 + IDLE_MILLIS);
      long bReturnsMicros = ChunkFixtures.T0_MICROS + 62_000_000L;
      harness.processElement(ChunkFixtures.admitted(ChunkFixtures.chunk("feed-b", b.size(), bReturnsMicros,
          AudioFixtures.noise(0.1, 0.1, 6))), bReturnsMicros / 1000);
      assertThat(level("feed-b")).isCloseTo(-20.0, within(1.0));
      assertThat(feedMetricNames("feed-a")).isNotEmpty();

      // a's retention ends: its state and every one of its metrics go; b's stay
      harness.processWatermark(T0_MILLIS + 2_000 + IDLE_MILLIS + RETENTION_MILLIS);
      assertThat(feedMetricNames("feed-a")).isEmpty();
      assertThat(feedMetricNames("feed-b")).contains("levelDbfs", "windowsEmitted");
      // the operator-wide totals are not per feed and stay too
      assertThat(registered.keySet()).anyMatch(id -> id.endsWith(".windowsEmitted")
          && !id.contains(".feed."));

      // a returns (a new run, sequence numbers from 0): working metrics again, counted afresh
      long aReturnsMicros = (T0_MILLIS + 2_000 + IDLE_MILLIS + RETENTION_MILLIS + 1_000) * 1000;
      float[] quiet = AudioFixtures.tone(440, 1.5, 16_000);
      for (int i = 0; i < quiet.length; i++) {
        quiet[i] *= 0.1f; // 20 dB below the first pass
      }
      List<AudioChunk> again = ChunkFixtures.chunks("feed-a", quiet, 1_600);
      for (int i = 0; i < again.size(); i++) {
        AudioChunk c = ChunkFixtures.chunk("feed-a", i, aReturnsMicros + i * 100_000L,
            NormalisedAudio.decode(again.get(i)).samples());
        harness.processElement(ChunkFixtures.admitted(c), ChunkFixtures.millis(c));
      }
      assertThat(feedMetricNames("feed-a")).contains("levelDbfs", "windowsEmitted");
      assertThat(level("feed-a")).isCloseTo(-29.03, within(0.05));
      Counter windowsAgain = counter("feed-a", "windowsEmitted");
      assertThat(windowsAgain).isNotSameAs(windowsOfA);
      long firstPass = windowsOfA.getCount();
      assertThat(windowsAgain.getCount()).isPositive()
          .isEqualTo(windowsOut(harness, "feed-a") - firstPass);

      // and it can be forgotten again
      harness.processWatermark(aReturnsMicros / 1000 + 1_500 + IDLE_MILLIS + RETENTION_MILLIS);
      assertThat(feedMetricNames("feed-a")).isEmpty();
    }
  }

  /**
   * The same through Flink's own metric registry and Prometheus reporter, scraped over HTTP: the
   * names, labels and the removal are what a Prometheus server sees from a TaskManager.
   */
  @Test
  void shouldServeTheFeedLevelOnPrometheusAndDropItWhenTheFeedIsForgotten() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    MetricConfig props = new MetricConfig();
    props.setProperty("port", Integer.toString(port));
    PrometheusReporter reporter = new PrometheusReporterFactory().createMetricReporter(props);
    MetricRegistryImpl registry = new MetricRegistryImpl(
        MetricRegistryConfiguration.fromConfiguration(new Configuration(), Long.MAX_VALUE),
        List.of(new ReporterSetup("prom", new MetricConfig(), reporter,
            DefaultReporterFilters.metricsFromConfiguration(new Configuration()), Map.of())));
    try {
      TaskMetricGroup task = TaskManagerMetricGroup
          .createTaskManagerMetricGroup(registry, "localhost", ResourceID.generate())
          .addJob(new JobID(), "job")
          .addTask(ExecutionAttemptID.randomId(), "featurizer");
      List<AudioChunk> a = ChunkFixtures.chunks("feed-a", AudioFixtures.tone(440, 1.0, 16_000), 1_600);
      try (MockEnvironment env = new MockEnvironmentBuilder().setTaskName("featurizer")
              .setManagedMemorySize(3 << 20).setMetricGroup(task).build();
          var harness = new KeyedOneInputStreamOperatorTestHarness<>(
              new KeyedProcessOperator<>(new FbankWindowFunction(SETTINGS)), (FeedChunk c) -> c.streamId,
              Types.STRING, env)) {
        // a job always names its operators; the reporter refuses a metric with a null label
        harness.getStreamConfig().setOperatorName("featurizer");
        harness.open();
        for (AudioChunk c : a) {
          harness.processElement(ChunkFixtures.admitted(c), ChunkFixtures.millis(c));
        }
        String level = "flink_taskmanager_job_task_operator_feed_levelDbfs";
        List<String> lines = scrape(port, level);
        assertThat(lines).hasSize(1);
        // Flink's reporter turns every character outside [a-zA-Z0-9_:] of a label value into '_'
        assertThat(lines.get(0)).contains("feed=\"feed_a\"");
        assertThat(Double.parseDouble(lines.get(0).substring(lines.get(0).lastIndexOf(' ') + 1)))
            .isCloseTo(-9.03, within(0.05));
        assertThat(scrape(port, "flink_taskmanager_job_task_operator_feed_windowsEmitted"))
            .hasSize(1);

        harness.processWatermark(T0_MILLIS + 1_000 + IDLE_MILLIS + RETENTION_MILLIS);
        assertThat(scrape(port, level)).isEmpty();
        assertThat(scrape(port, "flink_taskmanager_job_task_operator_feed_windowsEmitted")).isEmpty();
        // the operator's totals remain
        assertThat(scrape(port, "flink_taskmanager_job_task_operator_windowsEmitted")).hasSize(1);

        long back = (T0_MILLIS + 1_000 + IDLE_MILLIS + RETENTION_MILLIS + 1_000) * 1000;
        harness.processElement(ChunkFixtures.admitted(ChunkFixtures.chunk("feed-a", 0, back,
            AudioFixtures.silence(0.1))), back / 1000);
        lines = scrape(port, level);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("feed=\"feed_a\"").endsWith(" -120.0");
      }
    } finally {
      registry.closeAsync().get();
    }
  }

  /** The sample lines of one metric on the reporter's endpoint (comments left out). */
  private static List<String> scrape(int port, String metric) throws Exception {
    String body = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    return body.lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
        .toList();
  }

  private static long windowsOut(
      KeyedOneInputStreamOperatorTestHarness<String, FeedChunk, SpectrogramWindow> harness,
      String feed) {
    return harness.extractOutputValues().stream().filter(w -> w.streamId.equals(feed)).count();
  }

  private MockEnvironment environment() {
    TestingMetricRegistry registry = TestingMetricRegistry.builder()
        .setDelimiter('.')
        .setRegisterConsumer((metric, name, group) ->
            registered.put(group.getMetricIdentifier(name), metric))
        .setUnregisterConsumer((metric, name, group) ->
            registered.remove(group.getMetricIdentifier(name)))
        .build();
    TaskMetricGroup task = TaskManagerMetricGroup
        .createTaskManagerMetricGroup(registry, "localhost", ResourceID.generate())
        .addJob(new JobID(), "job")
        .addTask(ExecutionAttemptID.randomId(), "featurizer");
    return new MockEnvironmentBuilder().setTaskName("featurizer").setManagedMemorySize(3 << 20)
        .setMaxParallelism(1).setParallelism(1).setSubtaskIndex(0).setMetricGroup(task).build();
  }

  /** Names of the feed's metrics now registered. */
  private Set<String> feedMetricNames(String feed) {
    String marker = "." + FbankWindowFunction.FEED_GROUP + "." + feed + ".";
    Set<String> names = new TreeSet<>();
    registered.keySet().stream().filter(id -> id.contains(marker))
        .forEach(id -> names.add(id.substring(id.indexOf(marker) + marker.length())));
    return names;
  }

  private Metric metric(String feed, String name) {
    String suffix = "." + FbankWindowFunction.FEED_GROUP + "." + feed + "." + name;
    return registered.entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
        .map(Map.Entry::getValue).findFirst()
        .orElseThrow(() -> new AssertionError("no " + suffix + " among " + registered.keySet()));
  }

  private double level(String feed) {
    @SuppressWarnings("unchecked")
    Gauge<Double> gauge = (Gauge<Double>) metric(feed, FbankWindowFunction.LEVEL_GAUGE);
    return gauge.getValue();
  }

  private Counter counter(String feed, String name) {
    return (Counter) metric(feed, name);
  }
}
