package io.elasticast.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.app.live.LiveRecords;
import io.elasticast.featurizer.WindowPolicy;
import io.elasticast.schemas.ClassificationEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowLedgerTest {

  static final WindowPolicy SLIDING = WindowPolicy.parse("sliding:1s/0.5s@10ms");
  static final WindowPolicy SEGMENT = WindowPolicy.parse("segment:0.5s-10s@10ms");
  static final long T0 = 1_700_000_000_000_000L;
  static final long HOP = 500_000;

  /** A 1 s window of {@code p} starting at {@code start}. */
  static ClassificationEvent window(String feed, WindowPolicy p, long start) {
    return LiveRecords.event(feed, p.name(), start + 1_000_000, null, "speech", 0.9f);
  }

  @Test
  void shouldFindNothingWrongWithCompleteFeeds() {
    WindowLedger ledger = new WindowLedger(List.of(SLIDING, SEGMENT));
    for (String feed : List.of("a", "b")) {
      for (int k = 0; k < 20; k++) {
        ledger.add(window(feed, SLIDING, T0 + k * HOP));
      }
      ledger.add(window(feed, SEGMENT, T0 + 123)); // segments are not on a grid: not counted
    }
    // audio ran to the end of the last window plus almost a hop
    WindowLedger.Count c = ledger.count(T0 + 19 * HOP + 1_000_000 + HOP - 1);
    assertThat(c).isEqualTo(new WindowLedger.Count(40, 0, 0, 2));
  }

  @Test
  void shouldCountHolesHeadsTailsAndRepeats() {
    WindowLedger ledger = new WindowLedger(List.of(SLIDING));
    for (int k = 0; k < 20; k++) {
      if (k != 7 && k != 8) {
        ledger.add(window("holes", SLIDING, T0 + k * HOP));
      }
      if (k >= 4) { // its first four never arrived
        ledger.add(window("late-head", SLIDING, T0 + k * HOP));
      }
      if (k < 17) { // its last three never arrived
        ledger.add(window("short-tail", SLIDING, T0 + k * HOP));
      }
      ledger.add(window("twice", SLIDING, T0 + k * HOP));
      if (k % 5 == 0) {
        ledger.add(window("twice", SLIDING, T0 + k * HOP));
      }
    }
    WindowLedger.Count c = ledger.count(T0 + 19 * HOP + 1_000_000);
    assertThat(c.duplicated()).isEqualTo(4);
    // 2 holes + head: (4 hops - 1 s grace) / hop = 2 + tail: 17, 18, 19
    assertThat(c.missing()).isEqualTo(2 + 2 + 3);
    assertThat(c.feeds()).isEqualTo(4);
  }
}
