package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.app.live.LiveRecords;
import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.IncidentState;
import io.elasticast.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code elasticast watch} in a real terminal: tmux gives it a pseudo-terminal of 150x40, the test
 * writes events and incidents to a real broker and reads the screen back. Incident lines appear
 * as they are written, the status table stays one table (redrawn in place, not scrolled), and
 * Ctrl-C stops it with exit status 0. CI installs tmux; without it this test fails.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class WatchCommandIT {

  static final Duration SCREEN_WAIT = Duration.ofSeconds(60);

  private EmbeddedKafkaBroker broker;
  private final String socket = "elasticast-watch-" + UUID.randomUUID();
  private final String session = "watch";

  @BeforeEach
  void startBroker() throws Exception {
    broker = EmbeddedKafkaBroker.start();
    for (Map.Entry<String, Integer> t : BrokerCommand.pipelineTopics(2).entrySet()) {
      KafkaClients.createTopic(broker.bootstrapServers(), t.getKey(), t.getValue());
    }
  }

  @AfterEach
  void stop() throws Exception {
    tmux("kill-server");
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldShowIncidentsAsTheyComeAndRedrawTheFeedTableInPlace(@TempDir Path tmp) throws Exception {
    Topics topics = Topics.singleObject();
    String servers = broker.bootstrapServers();
    long t0 = System.currentTimeMillis() * 1000 - 60_000_000L;
    List<ClassificationEvent> events = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      events.add(LiveRecords.event("feed-1", "sliding-1s/0.5s@10ms", t0 + i * 500_000L, -14f, "siren", 0.93f));
      events.add(LiveRecords.event("feed-2", "sliding-1s/0.5s@10ms", t0 + i * 500_000L, -31f, "speech", 0.88f));
    }
    KafkaClients.produce(servers, topics.events, events, e -> e.getStreamId().toString());
    Incident open = LiveRecords.incident("feed-1", "siren", IncidentState.OPEN, t0, null, t0 + 2_000_000);
    KafkaClients.produce(servers, topics.incidents, List.of(open), i -> i.getStreamId().toString());

    Path script = tmp.resolve("watch.sh");
    // a trap (not an ignore, which java would inherit) keeps the shell alive through Ctrl-C so it
    // can report how java exited
    Files.writeString(script, "trap 'true' INT\n" + String.join(" ", List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", "'" + System.getProperty("java.class.path") + "'", ElasticAstCli.class.getName(),
        "watch", "--bootstrap-servers", servers, "--from-beginning", "--refresh-ms", "300"))
        + "\necho WATCH-EXITED=$?\nsleep 60\n", StandardCharsets.UTF_8);
    assertThat(tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "40", "sh " + script))
        .as("tmux new-session").isEmpty();

    String screen = awaitScreen(s -> s.contains("feed-2") && s.contains("OPEN")
        && s.contains("windows/s"));
    assertThat(screen).contains("ALERT feed-1           siren    OPEN");
    assertThat(line(screen, "feed-1 ")).contains("siren 0.93").contains("-14").contains("sir sir sir").endsWith("siren");
    assertThat(line(screen, "feed-2 ")).contains("speech 0.88").contains("-31");

    // the incident closes: its line appears above the table, the feed's open column empties
    Incident closed = LiveRecords.incident("feed-1", "siren", IncidentState.CLOSED, t0, t0 + 9_000_000, t0 + 11_000_000);
    KafkaClients.produce(servers, topics.incidents, List.of(closed), i -> i.getStreamId().toString());
    screen = awaitScreen(s -> s.contains("CLOSED") && s.contains("0 open 1 closed"));
    assertThat(screen.indexOf("OPEN")).as("incident lines in order, above the table")
        .isLessThan(screen.indexOf("CLOSED"));
    assertThat(screen.indexOf("CLOSED")).isLessThan(screen.indexOf("hears now"));
    assertThat(line(screen, "feed-1 ")).doesNotEndWith("siren");
    Thread.sleep(1_000); // a few more refreshes
    screen = capture();
    assertThat(screen.split("hears now", -1)).as("one table on screen, redrawn in place:\n" + screen)
        .hasSize(2);
    assertThat(screen.split("feed-2 ", -1)).hasSize(2);

    tmux("send-keys", "-t", session, "C-c");
    screen = awaitScreen(s -> s.contains("WATCH-EXITED="));
    // the JVM reports a SIGINT exit as 128 + 2 once the shutdown hook has stopped the view
    assertThat(screen).containsPattern("WATCH-EXITED=(0|130)");
  }

  private static String line(String screen, String prefix) {
    return screen.lines().filter(l -> l.startsWith(prefix)).map(String::stripTrailing)
        .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no line " + prefix + " in\n" + screen));
  }

  private String awaitScreen(Predicate<String> done) throws Exception {
    long end = System.nanoTime() + SCREEN_WAIT.toNanos();
    String screen = "";
    while (System.nanoTime() < end) {
      String now = capture();
      if (now.startsWith("no server running")) {
        break; // the session ended: keep the last screen it showed
      }
      screen = now;
      if (done.test(screen)) {
        return screen;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("screen never showed what was awaited; it shows:\n" + screen);
  }

  private String capture() throws Exception {
    return tmux("capture-pane", "-p", "-t", session);
  }

  private String tmux(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("tmux", "-L", socket));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      throw new AssertionError("tmux is needed for this test (.ci/run installs it): " + e.getMessage(), e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }
}
