package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.elasticast.inference.PackingQueue.Waiting;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PackingQueueUnitTest {

  private static final long T0 = 1_000;

  @Test
  void shouldBeDueWhenTheTokenBudgetFills() {
    PackingQueue<String> q = new PackingQueue<>(100, 200, 50);
    q.add("a", 60, T0);
    assertThat(q.isDue(T0)).isFalse();
    q.add("b", 40, T0 + 1);
    assertThat(q.isDue(T0 + 1)).isTrue();
  }

  @Test
  void shouldBeDueWhenTheOldestWindowReachesItsDeadline() {
    PackingQueue<String> q = new PackingQueue<>(100, 200, 50);
    assertThat(q.deadline()).isEqualTo(Long.MAX_VALUE);
    q.add("a", 8, T0);
    q.add("b", 8, T0 + 150);
    assertThat(q.deadline()).isEqualTo(T0 + 200);
    assertThat(q.isDue(T0 + 199)).isFalse();
    assertThat(q.isDue(T0 + 200)).isTrue();
  }

  @Test
  void shouldTakeTheOldestWindowsUpToTheBudget() {
    PackingQueue<String> q = new PackingQueue<>(100, 200, 50);
    q.add("a", 50, T0);
    q.add("b", 40, T0);
    q.add("c", 20, T0);
    assertThat(q.takeBatch()).extracting(Waiting::item).containsExactly("a", "b");
    assertThat(q.tokens()).isEqualTo(20);
    assertThat(q.deadline()).isEqualTo(T0 + 200);
    q.add("huge", 500, T0 + 10);
    assertThat(q.takeBatch()).extracting(Waiting::item).containsExactly("c");
    assertThat(q.takeBatch()).extracting(Waiting::item).containsExactly("huge"); // alone, not lost
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void shouldRefuseMoreThanItsBoundUntilABatchRuns() {
    PackingQueue<String> q = new PackingQueue<>(1000, 200, 2);
    q.add("a", 8, T0);
    q.add("b", 8, T0);
    assertThat(q.isFull()).isTrue();
    assertThat(q.isDue(T0)).isTrue();
    assertThatThrownBy(() -> q.add("c", 8, T0)).hasMessageContaining("full");
    q.takeBatch();
    q.add("c", 8, T0);
    assertThat(q.size()).isEqualTo(1);
  }

  @Test
  void shouldHandEveryWindowOutExactlyOnceInArrivalOrder() {
    Random rnd = new Random(11);
    PackingQueue<Integer> q = new PackingQueue<>(300, 200, 20);
    List<Integer> out = new ArrayList<>();
    long now = T0;
    for (int i = 0; i < 1000; i++) {
      now += rnd.nextInt(30);
      while (q.isFull() || q.isDue(now)) {
        q.takeBatch().forEach(w -> out.add(w.item()));
      }
      q.add(i, 8 * (1 + rnd.nextInt(62)), now);
    }
    while (!q.isEmpty()) {
      q.takeBatch().forEach(w -> out.add(w.item()));
    }
    assertThat(out).hasSize(1000).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void shouldRestoreASnapshotInOrder() {
    PackingQueue<String> q = new PackingQueue<>(100, 200, 50);
    q.add("a", 8, T0);
    q.add("b", 16, T0 + 5);
    PackingQueue<String> restored = new PackingQueue<>(100, 200, 50);
    restored.restore(q.snapshot());
    assertThat(restored.tokens()).isEqualTo(24);
    assertThat(restored.deadline()).isEqualTo(T0 + 200);
    assertThat(restored.takeBatch()).extracting(Waiting::item).containsExactly("a", "b");
  }
}
