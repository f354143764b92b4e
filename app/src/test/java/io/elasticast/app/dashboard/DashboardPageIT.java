package io.elasticast.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.elasticast.app.live.FeedBoard;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.IncidentState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The page in a real headless Chromium against a board filled by hand, so every figure has a
 * known value: what it renders, and that the event stream updates it in place. The pipeline's
 * own run is {@code DashboardBrowserIT}.
 */
@Timeout(90)
class DashboardPageIT {

  @Test
  void shouldRenderFeedsIncidentsAndFiguresAndFollowTheEventStream() throws Exception {
    FeedBoard board = new FeedBoard();
    long t = Dashboard.nowMicros();
    board.onEvent(Records.event("alarm-0", t - 500_000, -30f, "alarm", 0.5f, "siren", 0.25f), t);
    board.onEvent(Records.event("alarm-0", t, -6f, "alarm", 0.75f, "siren", 0.125f), t);
    board.onEvent(Records.event("engine", t, null, "engine", 0.875f), t);
    board.onEvent(Records.event("siren-0", t, -12.5f, "siren", 0.9f, "alarm", 0.05f), t);
    String open = "siren-0/siren/" + (t - 3_000_000);
    board.onIncident(Records.incident("siren-0", "siren", IncidentState.OPEN, t - 3_000_000, null, 0.9f, t), t);
    board.onIncident(Records.incident("engine", "engine", IncidentState.CLOSED, t - 20_000_000, t - 15_000_000,
        0.8f, t - 13_000_000), t);
    board.onDeadLetter(DeadLetter.newBuilder().setSourceTopic("audio.raw").setSourcePartition(1)
        .setSourceOffset(9).setReason(DeadLetterReason.BAD_SEQUENCE).setMessage("x").setTimeMicros(t).build());
    board.setLag(12);
    Path target = Path.of("target");

    try (Dashboard dashboard = Dashboard.start(board, 0);
        HeadlessChromium browser = HeadlessChromium.start(1280, 900, target.resolve("chromedriver-page.log"))) {
      browser.open(dashboard.url());
      // bars are drawn once their CSS transitions (0.3 s) are over
      JsonNode page = browser.await(DashboardPage.READ, p -> p.path("feeds").size() == 3
          && barsSettled(p), Duration.ofSeconds(20));
      String seen = DashboardPage.describe(page);

      assertThat(page.path("errors")).as(seen).isEmpty();
      assertThat(page.path("conn").asText()).as(seen).isEqualTo("live");
      assertThat(feeds(page)).as(seen).containsExactly("alarm-0", "engine", "siren-0");
      JsonNode alarm = page.path("feeds").get(0);
      assertThat(alarm.path("visible").asBoolean()).isTrue();
      assertThat(alarm.path("top").get(0).path("name").asText()).isEqualTo("alarm");
      assertThat(alarm.path("top").get(0).path("score").asDouble()).isEqualTo(0.75);
      assertThat(alarm.path("top").get(1).path("label").asText()).isEqualTo("siren");
      JsonNode bar = alarm.path("top").get(0);
      assertThat(bar.path("barWidthPx").asDouble() / bar.path("trackWidthPx").asDouble()).isCloseTo(0.75, within(0.02));
      assertThat(alarm.path("levelText").asText()).isEqualTo("-6.0 dBFS");
      assertThat(alarm.path("levelDbfs").asText()).isEqualTo("-6.0");
      assertThat(alarm.path("levelWidthPx").asDouble()).isPositive();
      assertThat(alarm.path("strip").toString()).isEqualTo("[\"alarm\",\"alarm\"]");
      JsonNode engine = page.path("feeds").get(1);
      assertThat(engine.path("levelText").asText()).as("no level in the events").isEqualTo("– dBFS");
      assertThat(engine.path("levelWidthPx").asDouble()).isZero();
      JsonNode siren = page.path("feeds").get(2);
      assertThat(siren.path("alert").asText()).isEqualTo("true");
      assertThat(siren.path("badges").toString()).isEqualTo("[\"siren\"]");

      JsonNode incidents = page.path("incidents");
      assertThat(incidents).as(seen).hasSize(2);
      assertThat(incidents.get(0).path("incident").asText()).isEqualTo(open);
      assertThat(incidents.get(0).path("open").asBoolean()).isTrue();
      assertThat(incidents.get(0).path("visible").asBoolean()).isTrue();
      List<String> cells = texts(incidents.get(0).path("cells"));
      assertThat(cells.get(0)).isEqualTo("siren");
      assertThat(cells.get(1)).isEqualTo("siren-0");
      assertThat(cells.get(2)).matches("\\d\\d:\\d\\d:\\d\\d");
      // open: its duration grows with the clock, from 3 s at t to what has passed since (a loaded
      // machine can take several seconds to start the browser)
      double openFor = (Dashboard.nowMicros() - (t - 3_000_000)) / 1e6;
      assertThat(Double.parseDouble(cells.get(3).replace(" s", ""))).isBetween(3.0, openFor + 0.1);
      assertThat(cells.get(4)).isEqualTo("0.90");
      assertThat(texts(incidents.get(1).path("cells"))).containsExactly("engine", "engine",
          cells(incidents.get(1)).get(2), "5.0 s", "0.80");
      assertThat(incidents.get(1).path("open").asBoolean()).isFalse();
      assertThat(page.path("noIncidentsShown").asBoolean()).isFalse();

      JsonNode f = page.path("figures");
      assertThat(f.path("deadLetters").asText()).isEqualTo("1");
      assertThat(f.path("lag").asText()).isEqualTo("12");
      assertThat(f.path("events").asText()).isEqualTo("4");
      assertThat(f.path("incidentsOpen").asText()).isEqualTo("1");
      assertThat(f.path("packDensity").asText()).isEqualTo("80");
      assertThat(f.path("windowsPerSecond").asText()).isNotEqualTo("–");
      assertThat(f.path("latencyP99").asText()).matches("\\d+");
      Files.write(target.resolve("dashboard-page.png"), browser.screenshot());

      // pushed, not polled: a new feed (in its place by id) and a closed incident show up without a reload
      long t2 = Dashboard.nowMicros();
      board.onEvent(Records.event("aa-late", t2, -40f, "speech", 0.6f), t2);
      board.onIncident(Records.incident("siren-0", "siren", IncidentState.CLOSED, t - 3_000_000, t2, 0.95f, t2), t2);
      JsonNode after = browser.await(DashboardPage.READ, p -> p.path("feeds").size() == 4
          && !p.path("incidents").get(0).path("open").asBoolean(), Duration.ofSeconds(5));
      String seenAfter = DashboardPage.describe(after);
      assertThat(feeds(after)).as(seenAfter).containsExactly("aa-late", "alarm-0", "engine", "siren-0");
      assertThat(after.path("incidents").get(0).path("incident").asText()).as(seenAfter).isEqualTo(open);
      assertThat(after.path("incidents").get(0).path("open").asBoolean()).as(seenAfter).isFalse();
      assertThat(after.path("feeds").get(3).path("badges")).as(seenAfter).isEmpty();
      assertThat(after.path("feeds").get(0).path("levelText").asText()).isEqualTo("-40.0 dBFS");
      assertThat(after.path("errors")).as(seenAfter).isEmpty();
    }
  }

  private static boolean barsSettled(JsonNode page) {
    for (JsonNode f : page.path("feeds")) {
      for (JsonNode t : f.path("top")) {
        double track = t.path("trackWidthPx").asDouble();
        if (track <= 0 || Math.abs(t.path("barWidthPx").asDouble() / track - t.path("score").asDouble()) > 0.01) {
          return false;
        }
      }
    }
    return true;
  }

  private static List<String> feeds(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.path("feeds").forEach(f -> out.add(f.path("feed").asText()));
    return out;
  }

  private static List<String> cells(JsonNode row) {
    return texts(row.path("cells"));
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
