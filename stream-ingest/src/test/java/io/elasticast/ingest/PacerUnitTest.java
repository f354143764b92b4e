package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PacerUnitTest {

  final FakeTicker ticker = new FakeTicker();

  @Test
  void shouldReleaseEachChunkWhenItsLastSampleIsDue() throws InterruptedException {
    Pacer pacer = new Pacer(ticker, 16_000, true);
    pacer.awaitDue(1_600);
    pacer.awaitDue(3_200);
    assertThat(ticker.sleeps).containsExactly(100_000_000L, 100_000_000L);
  }

  @Test
  void shouldNotWaitWhileCatchingUp() throws InterruptedException {
    Pacer pacer = new Pacer(ticker, 16_000, true);
    pacer.awaitDue(1_600);
    ticker.advance(350_000_000L); // the broker stalled for a while
    pacer.awaitDue(3_200);
    pacer.awaitDue(4_800);
    pacer.awaitDue(6_400);
    pacer.awaitDue(8_000); // due 500 ms after the start, which is 50 ms away
    assertThat(ticker.sleeps).containsExactly(100_000_000L, 50_000_000L);
  }

  @Test
  void shouldNotDriftWithRatesThatDoNotDivideEvenly() throws InterruptedException {
    Pacer pacer = new Pacer(ticker, 44_100, true);
    long start = ticker.nanoTime();
    for (int i = 1; i <= 600; i++) {
      pacer.awaitDue(i * 4_410L);
    }
    assertThat(ticker.nanoTime() - start).isEqualTo(60_000_000_000L);
  }

  @Test
  void shouldNeverWaitWithoutPacing() throws InterruptedException {
    Pacer pacer = new Pacer(ticker, 16_000, false);
    pacer.awaitDue(1_600_000);
    assertThat(ticker.sleeps).isEmpty();
  }
}
