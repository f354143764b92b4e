package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.inference.PackPlanner.Call;
import io.elasticast.inference.PackPlanner.CostModel;
import io.elasticast.inference.PackPlanner.Plan;
import io.elasticast.inference.PackPlanner.Row;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PackPlannerUnitTest {

  /**
   * Prices of the kind a CPU session calibrates to (seconds): a call costs about as much as 40
   * tokens, every row slot pays the linear layers, attention grows with L².
   */
  private static final CostModel CPU = new CostModel(100e-6, 0.5e-6, 2e-6, 4e-9, 0.3e-9);
  /** A graph whose linear layers see real tokens only: padding slots are almost free. */
  private static final CostModel FLAT = new CostModel(150e-6, 3e-6, 0.05e-6, 2e-9, 0.2e-9);
  private static final int MAX_ROW = 1536;
  private static final int MAX_CALL = 4096;
  private final PackPlanner planner = new PackPlanner(MAX_ROW, MAX_CALL, CPU);

  /** Token counts of windows 0.5–10 s at 10–40 ms shifts (8 freq patches each), plus oversize. */
  private static int[] randomTokens(Random rnd, int n) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = rnd.nextInt(20) == 0 ? MAX_ROW + 1 + rnd.nextInt(500) : 8 * (1 + rnd.nextInt(62));
    }
    return t;
  }

  @Test
  void shouldPlaceEveryWindowInExactlyOneSlotWithinBudgets() {
    for (long seed = 0; seed < 200; seed++) {
      Random rnd = new Random(seed);
      int[] tokens = randomTokens(rnd, rnd.nextInt(120));
      Plan plan = planner.plan(tokens);

      int[] seen = new int[tokens.length];
      for (int i : plan.oversize()) {
        assertThat(tokens[i]).isGreaterThan(MAX_ROW);
        seen[i]++;
      }
      for (Call call : plan.calls()) {
        assertThat(call.width()).isLessThanOrEqualTo(MAX_ROW);
        assertThat(call.tokens()).isLessThanOrEqualTo(MAX_CALL);
        int callTokens = 0;
        for (Row row : call.rows()) {
          int rowTokens = Arrays.stream(row.windows()).map(w -> tokens[w]).sum();
          assertThat(rowTokens).isEqualTo(row.tokens()).isLessThanOrEqualTo(call.width());
          callTokens += rowTokens;
          for (int w : row.windows()) {
            seen[w]++;
          }
        }
        assertThat(callTokens).isEqualTo(call.tokens());
      }
      assertThat(Arrays.stream(seen).allMatch(n -> n == 1)).as("seed %d", seed).isTrue();
    }
  }

  @Test
  void shouldKeepEachMultiRowCallUnderTheAttentionCap() {
    long cap = 200L * 200 * 4;
    PackPlanner capped = new PackPlanner(MAX_ROW, MAX_CALL, cap, CPU);
    for (long seed = 0; seed < 50; seed++) {
      Plan plan = capped.plan(Arrays.stream(randomTokens(new Random(seed), 80))
          .filter(t -> t <= MAX_ROW).toArray());
      for (Call call : plan.calls()) {
        if (call.rows().size() > 1) {
          assertThat((long) call.rows().size() * call.width() * call.width())
              .isLessThanOrEqualTo(cap);
        }
      }
    }
    // eight 200-token windows: four rows per call at most, so two calls
    int[] eight = new int[8];
    Arrays.fill(eight, 200);
    assertThat(capped.plan(eight).calls()).hasSize(2);
    assertThat(planner.plan(eight).calls()).hasSize(1);
  }

  @Test
  void shouldPlanDeterministically() {
    int[] tokens = randomTokens(new Random(7), 300);
    assertThat(describe(planner.plan(tokens))).isEqualTo(describe(planner.plan(tokens.clone())));
  }

  @Test
  void shouldReportTheCostOfItsOwnPlan() {
    int[] tokens = randomTokens(new Random(3), 80);
    Plan plan = planner.plan(tokens);
    double recomputed = plan.calls().stream().mapToDouble(c -> CPU.callCost(c.rows().size(),
        c.width(), c.tokens(), c.windowCount())).sum();
    assertThat(plan.cost()).isCloseTo(recomputed, within(1e-12));
  }

  @Test
  void shouldCostNoMoreThanSimplerLayouts() {
    for (long seed = 0; seed < 100; seed++) {
      int[] tokens = Arrays.stream(randomTokens(new Random(seed), 60))
          .filter(t -> t <= MAX_ROW).toArray();
      if (tokens.length == 0) {
        continue;
      }
      double planned = planner.plan(tokens).cost();
      // one window per call
      double oneAtATime = Arrays.stream(tokens).mapToDouble(t -> CPU.callCost(1, t, t, 1)).sum();
      // padded batches of 8 in arrival order: each window its own row, padded to the longest
      double padded = 0;
      for (int i = 0; i < tokens.length; i += 8) {
        int[] batch = Arrays.copyOfRange(tokens, i, Math.min(tokens.length, i + 8));
        padded += CPU.callCost(batch.length, Arrays.stream(batch).max().getAsInt(),
            Arrays.stream(batch).sum(), batch.length);
      }
      assertThat(planned).isLessThanOrEqualTo(oneAtATime).isLessThanOrEqualTo(padded + 1e-9);
    }
  }

  @Test
  void shouldLetShortWindowsShareARowOnlyWhenALongOneSetsTheWidth() {
    // a row padded to 496 has 96 spare slots after a 400-token window: a 96-token window fills
    // them for free where calls are dear (a GPU-like fixed cost per call)
    PackPlanner dearCalls = new PackPlanner(MAX_ROW, MAX_CALL, new CostModel(
        5e-3, CPU.perToken(), CPU.perSlot(), CPU.perAttentionPair(), CPU.perPoolPair()));
    Plan plan = dearCalls.plan(new int[] {96, 400, 496});
    assertThat(plan.calls()).hasSize(1);
    assertThat(plan.calls().get(0).rows()).extracting(Row::windows)
        .containsExactly(new int[] {2}, new int[] {1, 0});
    // where calls are cheap (a CPU), separate calls beat padding 400 and 96 up to 496
    assertThat(planner.plan(new int[] {96, 400, 496}).calls()).hasSize(3);
    assertThat(planner.plan(new int[] {96, 400, 496}).cost())
        .isLessThan(CPU.callCost(plan.calls().get(0)));

    // equal short windows alone: one per row, no sharing (sharing would only add L²)
    Plan alone = planner.plan(new int[] {48, 48, 48, 48});
    assertThat(alone.calls()).hasSize(1);
    assertThat(alone.calls().get(0).rows()).allSatisfy(r -> assertThat(r.windows()).hasSize(1));
    assertThat(alone.calls().get(0).width()).isEqualTo(48);
  }

  @Test
  void shouldGroupSimilarLengthsIntoSeparateCalls() {
    // 4 long and 40 short windows: padding the short ones to the long width costs more than a call
    int[] tokens = new int[44];
    Arrays.fill(tokens, 0, 4, 496);
    Arrays.fill(tokens, 4, 44, 48);
    Plan plan = planner.plan(tokens);
    assertThat(plan.calls()).extracting(Call::width).contains(496, 48);
    assertThat(plan.slots()).isLessThan(44 * 496 / 4); // far from padding everything to 496
  }

  @Test
  void shouldRejectOversizeWindowsAndPlanNothingForNoWindows() {
    Plan plan = planner.plan(new int[] {16, MAX_ROW + 8, 8});
    assertThat(plan.oversize()).containsExactly(1);
    assertThat(plan.calls()).flatExtracting(Call::rows).hasSize(2);
    assertThat(planner.plan(new int[0]).calls()).isEmpty();
    assertThatThrownBy(() -> planner.plan(new int[] {0})).hasMessageContaining("no tokens");
  }

  @Test
  void shouldPriceEachTermOfACallAndRefuseNegativePrices() {
    CostModel m = new CostModel(1, 2, 3, 4, 5);
    // 2 rows of width 10 holding 15 tokens of 3 windows: 1 + 2·15 + 3·20 + 4·20·10 + 5·3·15
    assertThat(m.callCost(2, 10, 15, 3)).isEqualTo(1 + 30 + 60 + 800 + 225);
    // the longer the rows, the more attention costs per token
    assertThat(CPU.secondsPerToken(1, 496)).isGreaterThan(CPU.secondsPerToken(10, 48));
    assertThatThrownBy(() -> new CostModel(1, -1e-9, 0, 0, 0)).hasMessageContaining(">= 0");
    assertThatThrownBy(() -> new CostModel(Double.NaN, 0, 0, 0, 0)).hasMessageContaining(">= 0");
  }

  @Test
  void shouldPadLessWhereEverySlotPaysTheLinearLayers() {
    // the same 60 mixed windows: where padding slots are nearly free (FLAT) the cheapest plan
    // pads more than where each slot costs a token's linear work (CPU)
    int[] tokens = Arrays.stream(randomTokens(new Random(5), 60)).filter(t -> t <= MAX_ROW).toArray();
    Plan cpu = planner.plan(tokens);
    Plan flat = new PackPlanner(MAX_ROW, MAX_CALL, FLAT).plan(tokens);
    assertThat(cpu.utilisation()).isGreaterThan(flat.utilisation());
    assertThat(cpu.utilisation()).isGreaterThan(0.9);
  }

  @Test
  void shouldKeepEveryPlanAboveTheDensityFloorWhereTheCheapestIsBelowIt() {
    PackPlanner cheapest = new PackPlanner(MAX_ROW, 3072, 1L << 18, FLAT);
    PackPlanner dense = new PackPlanner(MAX_ROW, 3072, 1L << 18, FLAT, 0.95);
    int below = 0;
    for (long seed = 0; seed < 100; seed++) {
      int[] tokens = Arrays.stream(randomTokens(new Random(seed), 25))
          .filter(t -> t <= MAX_ROW).toArray();
      Plan free = cheapest.plan(tokens);
      Plan floored = dense.plan(tokens);
      if (free.utilisation() < 0.95) {
        below++;
      }
      assertThat(floored.utilisation()).as("seed %d", seed).isGreaterThanOrEqualTo(0.95);
      // the floor costs something in the model's eyes only where it changed the plan
      assertThat(floored.cost()).isGreaterThanOrEqualTo(free.cost() - 1e-6);
      assertThat(describe(floored)).isEqualTo(describe(dense.plan(tokens.clone())));
      if (free.utilisation() >= 0.95) {
        assertThat(describe(floored)).isEqualTo(describe(free));
      }
    }
    assertThat(below).as("random workloads where the cheapest plan is too sparse").isPositive();
    assertThatThrownBy(() -> new PackPlanner(MAX_ROW, 3072, 1L << 18, FLAT, 1.5))
        .hasMessageContaining("minUtilisation");
  }

  private static List<String> describe(Plan plan) {
    List<String> out = new ArrayList<>();
    out.add(Arrays.toString(plan.oversize()));
    for (Call c : plan.calls()) {
      StringBuilder sb = new StringBuilder("w" + c.width());
      c.rows().forEach(r -> sb.append(Arrays.toString(r.windows())));
      out.add(sb.toString());
    }
    return out;
  }
}
