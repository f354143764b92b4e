package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.elasticast.app.dashboard.Dashboard;
import io.elasticast.app.dashboard.DashboardPage;
import io.elasticast.app.dashboard.HeadlessChromium;
import io.elasticast.app.live.FeedBoard;
import io.elasticast.app.live.LiveTopics;
import io.elasticast.ingest.IngestRunner;
import io.elasticast.ingest.KafkaChunkSink;
import io.elasticast.ingest.Ticker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo's pipeline (embedded broker, normaliser, job with the shipped model, the ten bundled
 * clips as live feeds at real-time pace) with the dashboard, opened in a real headless Chromium:
 * every feed shows its top labels and its level, and the siren clip's incident appears in the
 * incident list, all pushed over the event stream. Saves what the browser shows as {@code
 * target/dashboard.png}; {@code -Ddashboard.screenshot=PATH} saves it there too, after
 * {@code -Ddashboard.settle-seconds=S} (at most 60) more of the pipeline running (the README's
 * {@code docs/dashboard.png}: {@code -Ddashboard.screenshot=../docs/dashboard.png
 * -Ddashboard.settle-seconds=45}).
 *
 * <p>Needs chromium and chromedriver (see {@link HeadlessChromium}); it fails, not skips,
 * without them.
 */
@Timeout(180) // a bound for a stuck browser or broker; it takes under a minute
class DashboardBrowserIT {

  /** Four columns of feed cards beside the incident list. */
  static final int WIDTH = 1600;

  @Test
  void shouldShowEveryDemoFeedAndTheSirenIncidentInARealBrowser() throws Exception {
    Path target = Path.of("target");
    // the browser first: a machine without one fails in a second, not after the pipeline started
    try (HeadlessChromium browser = HeadlessChromium.start(WIDTH, 1000, target.resolve("chromedriver.log"));
        LocalPipeline pipeline = LocalPipeline.startBroker()) {
      pipeline.startNormaliser(LocalPipeline.quiet());
      JobConfig c = pipeline.jobConfig(JobConfig.defaults());
      c.inference.modelDir = Path.of("..", "model", "artifacts").toAbsolutePath().toString();
      c.checkpoints.intervalMs = 500; // exactly-once output shows on each checkpoint
      c.validate();
      pipeline.startJob(ElasticAstJob.onKafka(c), new Configuration());
      Path audio = DemoCommand.extractDemoAudio(pipeline.workDir().resolve("demo-audio"));
      FeedBoard board = new FeedBoard();
      int feeds = DemoCommand.DEMO_CLIPS.size();

      try (LiveTopics live = LiveTopics.start(WatchCommand.source(c, pipeline.bootstrapServers(), true),
              board, i -> { }, e -> { });
          Dashboard dashboard = Dashboard.start(board, 0);
          KafkaChunkSink sink = new KafkaChunkSink(pipeline.bootstrapServers(), pipeline.topics().audioRaw)) {
        IngestRunner ingest = new IngestRunner(
            new IngestRunner.Options(List.of(audio.toString()), feeds, true, true,
                IngestRunner.DEFAULT_CHUNK_MILLIS, null, null),
            sink, Ticker.system(), Clock.systemUTC(), LocalPipeline.quiet(), false);
        Thread ingestThread = new Thread(ingest::run, "dashboard-it-ingest");
        ingestThread.setDaemon(true);
        ingestThread.start();
        try {
          browser.open(dashboard.url());
          long t0 = System.nanoTime();
          // a full strip on the cards and an incident on the list: what a user should see within a minute
          JsonNode page = browser.await(DashboardPage.READ,
              p -> feedsShown(p) == feeds && sirenIncident(p) != null && minStrip(p) >= 8,
              Duration.ofSeconds(90));
          System.out.printf("dashboard: %d feeds and the siren incident shown %.1f s after the page opened%n",
              feedsShown(page), (System.nanoTime() - t0) / 1e9);
          String seen = DashboardPage.describe(page);
          long settle = Long.getLong("dashboard.settle-seconds", 0);
          if (settle > 0) {
            // for a screenshot of the steady state, past the job's warm-up latencies
            Thread.sleep(TimeUnit.SECONDS.toMillis(Math.min(settle, 60)));
          }
          saveScreenshot(browser, target);

          assertThat(page.path("errors")).as(seen).isEmpty();
          assertThat(page.path("conn").asText()).as(seen).isEqualTo("live");
          assertThat(feedIds(page)).as(seen).hasSize(feeds).isSorted()
              .allSatisfy(id -> assertThat(DemoCommand.DEMO_CLIPS).anyMatch(id::startsWith));
          for (JsonNode f : page.path("feeds")) {
            String what = f.path("feed").asText() + " in\n" + seen;
            assertThat(f.path("visible").asBoolean()).as(what).isTrue();
            assertThat(f.path("top").size()).as("top labels of " + what).isPositive();
            assertThat(f.path("top").get(0).path("name").asText()).as(what).isNotBlank();
            assertThat(f.path("top").get(0).path("score").asDouble()).as(what).isBetween(0.0, 1.0);
            assertThat(f.path("levelText").asText()).as("level of " + what).matches("-?\\d+\\.\\d dBFS");
            assertThat(f.path("strip").size()).as(what).isGreaterThanOrEqualTo(8);
          }
          JsonNode siren = sirenIncident(page);
          assertThat(siren.path("visible").asBoolean()).as(seen).isTrue();
          assertThat(siren.path("feed").asText()).as(seen).startsWith("siren");
          assertThat(siren.path("cells").get(0).asText()).isEqualTo("siren");
          assertThat(siren.path("cells").get(4).asText()).as("peak").matches("0\\.\\d\\d|1\\.00");
          JsonNode fig = page.path("figures");
          assertThat(Double.parseDouble(fig.path("windowsPerSecond").asText())).as(seen).isPositive();
          assertThat(fig.path("latencyP50").asText()).as(seen).matches("\\d+");
          assertThat(fig.path("packDensity").asText()).as(seen).matches("\\d+");
          assertThat(fig.path("deadLetters").asText()).as("the bundled clips are all valid: " + seen).isEqualTo("0");
          assertThat(live.failure()).isNull();
        } finally {
          ingest.stop();
        }
      }
    }
  }

  private static void saveScreenshot(HeadlessChromium browser, Path target) throws Exception {
    byte[] png = browser.fullPageScreenshot(WIDTH, 2000);
    Files.createDirectories(target);
    Files.write(target.resolve("dashboard.png"), png);
    String also = System.getProperty("dashboard.screenshot");
    if (also != null && !also.isBlank()) {
      Path p = Path.of(also);
      if (p.toAbsolutePath().getParent() != null) {
        Files.createDirectories(p.toAbsolutePath().getParent());
      }
      Files.write(p, png);
    }
  }

  private static int feedsShown(JsonNode page) {
    int n = 0;
    for (JsonNode f : page.path("feeds")) {
      if (f.path("top").size() > 0 && f.path("levelText").asText().endsWith(" dBFS")
          && !f.path("levelText").asText().startsWith("–")) {
        n++;
      }
    }
    return n;
  }

  private static int minStrip(JsonNode page) {
    int min = Integer.MAX_VALUE;
    for (JsonNode f : page.path("feeds")) {
      min = Math.min(min, f.path("strip").size());
    }
    return page.path("feeds").isEmpty() ? 0 : min;
  }

  private static JsonNode sirenIncident(JsonNode page) {
    for (JsonNode i : page.path("incidents")) {
      if (i.path("label").asText().equals("siren") && i.path("feed").asText().startsWith("siren")) {
        return i;
      }
    }
    return null;
  }

  private static List<String> feedIds(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.path("feeds").forEach(f -> out.add(f.path("feed").asText()));
    return out;
  }
}
