package io.elasticast.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elasticast.app.live.FeedBoard;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The dashboard's HTTP server: the page, the snapshot and the Server-Sent Events stream, read by a plain HttpClient. */
@Timeout(30)
class DashboardTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final FeedBoard board = new FeedBoard();
  private Dashboard dashboard;

  @AfterEach
  void close() {
    if (dashboard != null) {
      dashboard.close();
    }
  }

  @Test
  void shouldServeThePageSelfContainedWithStableHooksForTheBrowserTest() throws Exception {
    dashboard = Dashboard.start(board, 0);
    assertThat(dashboard.url()).isEqualTo("http://localhost:" + dashboard.port() + "/");

    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'");
    assertThat(page.body()).contains("new EventSource(\"events\")", "id=\"feeds\"", "id=\"incident-rows\"",
        "id=\"fig-windows-per-second\"", "id=\"fig-latency-p99\"", "id=\"fig-lag\"", "id=\"fig-dead-letters\"",
        "id=\"fig-pack-density\"", "dataset.feed", "dataset.incident");
    // offline: nothing fetched from another origin
    assertThat(page.body()).doesNotContain("http://", "https://", "//cdn", "<link ", " src=");
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    assertThat(http.send(HttpRequest.newBuilder(URI.create(dashboard.url()))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(405);
  }

  @Test
  void shouldServeTheSnapshotAsJson() throws Exception {
    long t = Dashboard.nowMicros();
    board.onEvent(Records.event("feed-a", t, -20f, "engine", 0.6f, "noise", 0.3f), t);
    dashboard = Dashboard.start(board, 0);

    HttpResponse<String> r = get("/snapshot.json");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode s = JSON.readTree(r.body());
    assertThat(s.get("feeds").get(0).get("streamId").asText()).isEqualTo("feed-a");
    assertThat(s.get("feeds").get(0).get("top").get(1).get("label").asText()).isEqualTo("noise");
    assertThat(s.get("nowMicros").asLong()).isGreaterThanOrEqualTo(t);
  }

  @Test
  void shouldPushASnapshotOnConnectOnChangeAndAtLeastEveryHalfSecondAndEndStreamsOnClose() throws Exception {
    dashboard = Dashboard.start(board, 0);
    HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(dashboard.url() + "events")).build(),
        HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
    BlockingQueue<String> lines = new ArrayBlockingQueue<>(10_000);
    Thread reader = new Thread(() -> {
      Iterator<String> it = r.body().iterator();
      try {
        while (it.hasNext()) {
          lines.add(it.next());
        }
        lines.add("<end>");
      } catch (RuntimeException streamBroken) {
        lines.add("<end>");
      }
    });
    reader.setDaemon(true);
    reader.start();

    assertThat(lines.poll(5, TimeUnit.SECONDS)).isEqualTo("retry: 1000");
    JsonNode first = nextSnapshot(lines, Duration.ofSeconds(2));
    assertThat(first.get("feeds")).isEmpty();

    // nothing changes: the clock still moves, about every 500 ms
    long t0 = System.nanoTime();
    JsonNode second = nextSnapshot(lines, Duration.ofSeconds(2));
    JsonNode third = nextSnapshot(lines, Duration.ofSeconds(2));
    double gapMs = (System.nanoTime() - t0) / 1e6 / 2;
    assertThat(third.get("nowMicros").asLong()).isGreaterThan(second.get("nowMicros").asLong());
    assertThat(gapMs).as("mean gap between unchanged snapshots").isBetween(300.0, 900.0);

    // a change goes out within a tick or two, not half a second later
    Thread.sleep(250); // past the minimum gap since the last push
    long t = Dashboard.nowMicros();
    long changedAt = System.nanoTime();
    board.onEvent(Records.event("siren-3", t, -6f, "siren", 0.95f), t);
    JsonNode changed = nextSnapshot(lines, Duration.ofSeconds(2));
    assertThat((System.nanoTime() - changedAt) / 1e6).as("ms from change to push").isLessThan(400);
    assertThat(changed.get("feeds").get(0).get("streamId").asText()).isEqualTo("siren-3");
    assertThat(changed.get("feeds").get(0).get("levelDbfs").floatValue()).isEqualTo(-6f);

    dashboard.close();
    String line;
    do {
      line = lines.poll(5, TimeUnit.SECONDS);
    } while (line != null && !line.equals("<end>"));
    assertThat(line).as("the stream ends when the dashboard closes").isEqualTo("<end>");
    assertThat(Thread.getAllStackTraces().keySet()).as("dashboard threads after close")
        .noneMatch(th -> th.isAlive() && th.getName().startsWith("dashboard-"));
  }

  @Test
  void shouldRefuseRequestsForOtherHostNames() throws Exception {
    dashboard = Dashboard.start(board, 0);
    assertThat(rawStatus("evil.example:" + dashboard.port())).isEqualTo(403);
    assertThat(rawStatus("127.0.0.1:" + dashboard.port())).isEqualTo(200);
    assertThat(Dashboard.loopbackHost("localhost:8088")).isTrue();
    assertThat(Dashboard.loopbackHost("[::1]:8088")).isTrue();
    assertThat(Dashboard.loopbackHost("127.0.0.1")).isTrue();
    assertThat(Dashboard.loopbackHost("127.evil.example")).isFalse();
    assertThat(Dashboard.loopbackHost("localhost.evil.example")).isFalse();
  }

  @Test
  void shouldBeOffOnPortZeroAndTakeAFreePortWhenTheAskedOneIsBusy() throws Exception {
    StringWriter out = new StringWriter();
    assertThat(Dashboard.startIfEnabled(board, 0, new PrintWriter(out))).isNull();
    assertThat(out.toString()).isEmpty();
    try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      dashboard = Dashboard.startIfEnabled(board, busy.getLocalPort(), new PrintWriter(out));
      assertThat(dashboard.port()).isNotEqualTo(busy.getLocalPort());
      assertThat(out.toString()).contains("port " + busy.getLocalPort() + " is taken")
          .contains("dashboard " + dashboard.url());
      assertThat(get("/").statusCode()).isEqualTo(200);
    }
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(dashboard.url() + path.substring(1))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** HttpClient will not send a Host header of our choosing; a socket will. */
  private int rawStatus(String host) throws Exception {
    try (Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), dashboard.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /snapshot.json HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String status = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII)).readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  private static JsonNode nextSnapshot(BlockingQueue<String> lines, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        break;
      }
      if (line.startsWith("data: ")) {
        return JSON.readTree(line.substring("data: ".length()));
      }
    }
    throw new AssertionError("no snapshot on the event stream within " + within);
  }
}
