package io.elasticast.app.live;

import static io.elasticast.app.live.LiveRecords.T0;
import static io.elasticast.app.live.LiveRecords.event;
import static io.elasticast.app.live.LiveRecords.incident;
import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.IncidentState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WatchViewTest {

  @Test
  void shouldPrintOneLinePerOpeningAndClosingAndMarkAlerts() {
    WatchView view = new WatchView(null, null, Set.of("siren"));
    String open = view.incidentLine(incident("feed-7", "siren", IncidentState.OPEN, T0, null, T0 + 2_000_000));
    assertThat(open).contains("ALERT", "feed-7", "siren", "OPEN", "since " + WatchView.clock(T0), "peak 0.90");
    assertThat(view.incidentLine(incident("feed-7", "siren", IncidentState.UPDATE, T0, null, T0 + 3_000_000)))
        .isNull();
    String closed = view.incidentLine(incident("feed-7", "siren", IncidentState.CLOSED, T0, T0 + 40_000_000, T0 + 42_000_000));
    assertThat(closed).contains("CLOSED", "40.0 s", "mean 0.80", "7 windows");
    assertThat(view.incidentLine(incident("feed-2", "speech", IncidentState.OPEN, T0, null, T0)))
        .doesNotContain("ALERT").contains("speech");
  }

  @Test
  void shouldFilterByFeedAndLabel() {
    WatchView view = new WatchView("feed-2", "siren", Set.of());
    assertThat(view.incidentLine(incident("feed-1", "siren", IncidentState.OPEN, T0, null, T0))).isNull();
    assertThat(view.incidentLine(incident("feed-2", "speech", IncidentState.OPEN, T0, null, T0))).isNull();
    assertThat(view.incidentLine(incident("feed-2", "siren", IncidentState.OPEN, T0, null, T0))).isNotNull();

    FeedBoard board = new FeedBoard();
    board.onEvent(event("feed-1", "sliding", T0, -6f, "siren", 0.9f), T0);
    board.onEvent(event("feed-2", "sliding", T0, -6f, "speech", 0.7f), T0);
    List<String> table = view.table(board.snapshot(T0));
    assertThat(table).hasSize(3); // header, feed-2, figures
    assertThat(table.get(0)).contains("siren now");
    assertThat(table.get(1)).startsWith("feed-2").contains(" - ").doesNotContain("speech 0.70");
    assertThat(new WatchView("feed-9", null, Set.of()).table(board.snapshot(T0)))
        .contains("(feed feed-9 not heard yet)");
  }

  @Test
  void shouldShowTopLabelsLevelStripAndOpenIncidentsPerFeed() {
    FeedBoard board = new FeedBoard();
    for (int i = 0; i < 10; i++) {
      board.onEvent(event("feed-1", "sliding", T0 + i * 500_000L, -12f, i < 5 ? "speech" : "siren", 0.85f), T0 + i * 500_000L);
    }
    board.onIncident(incident("feed-1", "siren", IncidentState.OPEN, T0, null, T0), T0);
    board.setLag(3);
    List<String> table = new WatchView(null, null, Set.of()).table(board.snapshot(T0 + 5_000_000));
    assertThat(table.get(1)).startsWith("feed-1").contains("siren 0.85  noise 0.15")
        .contains("########.. ").contains("-12")
        .contains("spe spe spe sir sir sir sir sir").endsWith("siren");
    assertThat(table.get(2)).contains("incidents 1 open 0 closed", "lag 3", "dead letters 0");
  }

  @Test
  void shouldDrawLevelBarsFromMinus60ToFullScale() {
    assertThat(WatchView.level(0f)).startsWith("##########");
    assertThat(WatchView.level(-60f)).startsWith("..........");
    assertThat(WatchView.level(-120f)).startsWith("..........").endsWith("-120");
    assertThat(WatchView.level(-30f)).startsWith("#####.....");
    assertThat(WatchView.level(null)).isEqualTo("-");
  }

  @Test
  void shouldRedrawTheTableInPlaceOnATerminalAndCutLongLines() {
    StringWriter s = new StringWriter();
    WatchTerminal t = new WatchTerminal(new PrintWriter(s), true, 10_000, 20);
    t.table(List.of("a", "b", "a line longer than twenty columns"), 0);
    t.table(List.of("a", "b", "c"), 1);
    t.incident("incident!");
    t.table(List.of("x"), 2);
    String up3 = String.format(WatchTerminal.CURSOR_UP, 3) + "\r" + WatchTerminal.ERASE_BELOW;
    String nl = System.lineSeparator();
    assertThat(s.toString()).isEqualTo("a" + nl + "b" + nl + "a line longer than " + nl
        + up3 + "a" + nl + "b" + nl + "c" + nl + up3 + "incident!" + nl + "x" + nl);
  }

  @Test
  void shouldPrintTheTableOnlyWhenDueWithoutATerminal() {
    StringWriter s = new StringWriter();
    WatchTerminal t = new WatchTerminal(new PrintWriter(s), false, 10_000, Integer.MAX_VALUE);
    t.table(List.of("first"), 1_000);
    t.table(List.of("second"), 5_000);
    t.incident("incident!");
    t.table(List.of("third"), 11_000);
    assertThat(s.toString()).contains("first", "incident!", "third").doesNotContain("second")
        .doesNotContain("\033[");
  }
}
