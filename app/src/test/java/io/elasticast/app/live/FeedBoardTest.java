package io.elasticast.app.live;

import static io.elasticast.app.live.LiveRecords.T0;
import static io.elasticast.app.live.LiveRecords.event;
import static io.elasticast.app.live.LiveRecords.incident;
import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.app.live.FeedBoard.FeedView;
import io.elasticast.app.live.FeedBoard.Snapshot;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.IncidentState;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedBoardTest {

  static final String SLIDING = "sliding-1s/0.5s@10ms";
  static final String SEGMENT = "segment-0.5s-10s@10ms";

  @Test
  void shouldShowEachFeedsLatestSlidingWindowAndAStripOfItsRecentLabels() {
    FeedBoard board = new FeedBoard();
    for (int i = 0; i < 30; i++) {
      long end = T0 + i * 500_000L;
      board.onEvent(event("feed-1", SLIDING, end, -20f - i, i % 2 == 0 ? "siren" : "speech", 0.9f), end + 300_000);
    }
    // a native segment arrives late and out of step: it must not replace what the feed hears now
    board.onEvent(event("feed-1", SEGMENT, T0 + 2_000_000, -3f, "music", 0.99f), T0 + 15_000_000);

    FeedView f = board.snapshot(T0 + 15_000_000).feeds().get(0);
    assertThat(f.streamId()).isEqualTo("feed-1");
    assertThat(f.top().get(0).label()).isEqualTo("speech");
    assertThat(f.levelDbfs()).isEqualTo(-49f);
    assertThat(f.windows()).isEqualTo(31);
    assertThat(f.recentLabels()).hasSize(FeedBoard.STRIP_LENGTH).doesNotContain("music")
        .endsWith("siren", "speech");
  }

  @Test
  void shouldIgnoreAWindowOlderThanTheOneShownForTheNowColumn() {
    FeedBoard board = new FeedBoard();
    board.onEvent(event("f", SLIDING, T0 + 2_000_000, -10f, "siren", 0.9f), T0 + 2_500_000);
    board.onEvent(event("f", SLIDING, T0 + 1_000_000, -50f, "speech", 0.9f), T0 + 2_600_000);
    FeedView f = board.snapshot(T0 + 3_000_000).feeds().get(0);
    assertThat(f.top().get(0).label()).isEqualTo("siren");
    assertThat(f.recentLabels()).containsExactly("siren");
  }

  @Test
  void shouldMoveAClosedIncidentFromOpenToRecentOnce() {
    FeedBoard board = new FeedBoard();
    long start = T0;
    board.onIncident(incident("f", "siren", IncidentState.OPEN, start, null, start + 2_000_000), start + 2_700_000);
    board.onIncident(incident("f", "siren", IncidentState.UPDATE, start, null, start + 3_000_000), start + 3_500_000);
    Snapshot open = board.snapshot(start + 4_000_000);
    assertThat(open.openIncidents()).singleElement().satisfies(i -> assertThat(i.state()).isEqualTo("UPDATE"));
    assertThat(open.feeds().get(0).openIncidentLabels()).containsExactly("siren");
    assertThat(open.figures().incidentsOpened()).isEqualTo(1);
    assertThat(open.figures().alertLatencyP50Ms()).isEqualTo(700);

    var closed = incident("f", "siren", IncidentState.CLOSED, start, start + 9_000_000, start + 11_000_000);
    board.onIncident(closed, start + 11_500_000);
    board.onIncident(closed, start + 11_600_000); // a replay after a restart: counted once
    Snapshot after = board.snapshot(start + 12_000_000);
    assertThat(after.openIncidents()).isEmpty();
    assertThat(after.recentIncidents()).singleElement()
        .satisfies(i -> assertThat(i.durationSeconds(0)).isEqualTo(9.0));
    assertThat(after.figures().incidentsClosed()).isEqualTo(1);
    assertThat(after.feeds().get(0).openIncidentLabels()).isEmpty();
  }

  @Test
  void shouldKeepOnlyTheLatestClosedIncidents() {
    FeedBoard board = new FeedBoard();
    for (int i = 0; i < FeedBoard.RECENT_INCIDENTS + 5; i++) {
      long start = T0 + i * 10_000_000L;
      board.onIncident(incident("f", "alarm", IncidentState.CLOSED, start, start + 1, start + 2), start + 3);
    }
    List<FeedBoard.IncidentView> recent = board.snapshot(T0).recentIncidents();
    assertThat(recent).hasSize(FeedBoard.RECENT_INCIDENTS);
    assertThat(recent.get(0).startMicros()).as("newest first")
        .isEqualTo(T0 + (FeedBoard.RECENT_INCIDENTS + 4) * 10_000_000L);
  }

  @Test
  void shouldComputeRateLatencyPackingAndDeadLetterFigures() {
    FeedBoard board = new FeedBoard();
    long now = T0 + 100_000_000;
    // 40 windows read over the last 4 s, latencies 100..4000 ms
    for (int i = 1; i <= 40; i++) {
      long arrival = now - 4_000_000 + i * 100_000L;
      board.onEvent(event("f" + (i % 4), SLIDING, arrival - i * 100_000L, null, "speech", 0.8f), arrival);
    }
    board.onDeadLetter(LiveRecords.deadLetter(DeadLetterReason.UNDECODABLE));
    board.onDeadLetter(LiveRecords.deadLetter(DeadLetterReason.UNDECODABLE));
    board.onDeadLetter(LiveRecords.deadLetter(DeadLetterReason.BAD_SEQUENCE));
    board.setLag(17);
    FeedBoard.Figures f = board.snapshot(now).figures();
    assertThat(f.events()).isEqualTo(40);
    assertThat(f.windowsPerSecond()).isCloseTo(10.0, org.assertj.core.api.Assertions.within(0.5));
    assertThat(f.latencyP50Ms()).isEqualTo(2000);
    assertThat(f.latencyP99Ms()).isEqualTo(4000);
    assertThat(f.packUtilisation()).isCloseTo(0.96, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(f.deadLetters()).isEqualTo(3);
    assertThat(f.deadLettersByReason()).containsEntry("UNDECODABLE", 2L).containsEntry("BAD_SEQUENCE", 1L);
    assertThat(f.lagRecords()).isEqualTo(17);
    assertThat(board.snapshot(now).feeds()).extracting(FeedView::streamId)
        .containsExactly("f0", "f1", "f2", "f3");
    assertThat(board.snapshot(now + 20_000_000).figures().windowsPerSecond())
        .as("nothing arrived in the last 10 s").isZero();
  }
}
