package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.SpectrogramWindow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The calibrated cost model on the shipped model's own session: the costs it predicts for real
 * plans of one batch order them as their measured times do, and the planner's plan is among the
 * fastest measured.
 */
class CalibratedPlannerTest {

  /** Plans whose predictions differ by less than this factor are too close to order on a noisy machine. */
  private static final double SEPARATED = 1.4;

  @Test
  void shouldPredictTheOrderOfRealPlansAsMeasured() {
    ModelConfig config = ModelConfig.load(TestModels.ARTIFACTS.resolve(ModelConfig.FILE_NAME));
    // one batch: 1 s windows of the default policy, a few segments, three resolutions
    List<SpectrogramWindow> batch = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      batch.add(Windows.seconds("s" + i, i, 1.0, 10, i));
    }
    batch.addAll(Windows.mix(10, 3));
    for (int i = 0; i < 4; i++) {
      batch.add(Windows.seconds("r" + i, i, 4.0, 20, 100 + i));
    }
    try (OrtClassifier runtime = OrtClassifier.open(config, OrtClassifier.Options.cpu(0))) {
      PackPlanner.CostModel cost = runtime.costModel();
      Patchifier patchifier = new Patchifier(config, Patchifier.FeatureScale.RAW_LOG_MEL);
      int[] tokens = batch.stream().mapToInt(patchifier::tokens).toArray();
      Map<String, List<PackPlanner.Call>> plans = new LinkedHashMap<>();
      plans.put("planner", WindowClassifier.planner(config, 4096, cost).plan(tokens).calls());
      plans.put("one per call", perCall(tokens, 1));
      plans.put("8 per call, arrival order", perCall(tokens, 8));
      plans.put("all in one call, a row each", perCall(tokens, tokens.length));
      plans.put("1 s windows in one row", oneSecondRow(tokens));

      PackedBatchEncoder encoder = new PackedBatchEncoder(patchifier);
      Map<String, Double> predicted = new LinkedHashMap<>();
      Map<String, Double> measured = new LinkedHashMap<>();
      plans.forEach((name, calls) -> {
        predicted.put(name, calls.stream().mapToDouble(cost::callCost).sum());
        measured.put(name, Double.MAX_VALUE);
      });
      for (int round = 0; round < 4; round++) { // interleaved; the fastest pass of each plan counts
        for (Map.Entry<String, List<PackPlanner.Call>> e : plans.entrySet()) {
          long start = System.nanoTime();
          for (PackPlanner.Call call : e.getValue()) {
            runtime.run(encoder.encode(batch, call));
          }
          double s = (System.nanoTime() - start) / 1e9;
          if (round > 0) {
            measured.merge(e.getKey(), s, Math::min);
          }
        }
      }
      StringBuilder report = new StringBuilder("calibration: " + cost + "\n");
      plans.keySet().forEach(n -> report.append(String.format("  %-30s predicted %7.2f ms"
          + " measured %7.2f ms%n", n, predicted.get(n) * 1e3, measured.get(n) * 1e3)));
      System.out.print(report);

      int compared = 0;
      for (String a : plans.keySet()) {
        for (String b : plans.keySet()) {
          if (predicted.get(a) * SEPARATED < predicted.get(b)) {
            compared++;
            assertThat(measured.get(a)).as("%s predicted cheaper than %s\n%s", a, b, report)
                .isLessThan(measured.get(b));
          }
        }
      }
      assertThat(compared).as("pairs far enough apart to order").isGreaterThanOrEqualTo(5);
      double fastest = measured.values().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
      assertThat(measured.get("planner")).as(report.toString()).isLessThanOrEqualTo(1.15 * fastest);
    }
  }

  /** Arrival order, {@code n} windows per call, each window alone in a row padded to the call's longest. */
  private static List<PackPlanner.Call> perCall(int[] tokens, int n) {
    List<PackPlanner.Call> calls = new ArrayList<>();
    for (int i = 0; i < tokens.length; i += n) {
      List<PackPlanner.Row> rows = new ArrayList<>();
      int width = 0;
      int total = 0;
      for (int w = i; w < Math.min(tokens.length, i + n); w++) {
        rows.add(new PackPlanner.Row(new int[] {w}, tokens[w]));
        width = Math.max(width, tokens[w]);
        total += tokens[w];
      }
      calls.add(new PackPlanner.Call(width, rows, total));
    }
    return calls;
  }

  /** The 24 one-second windows side by side in one row (L² attention), the rest one call each. */
  private static List<PackPlanner.Call> oneSecondRow(int[] tokens) {
    int[] ones = java.util.stream.IntStream.range(0, 24).toArray();
    int width = Arrays.stream(ones).map(w -> tokens[w]).sum();
    List<PackPlanner.Call> calls = new ArrayList<>(List.of(new PackPlanner.Call(width,
        List.of(new PackPlanner.Row(ones, width)), width)));
    for (int w = 24; w < tokens.length; w++) {
      calls.add(new PackPlanner.Call(tokens[w], List.of(new PackPlanner.Row(new int[] {w}, tokens[w])),
          tokens[w]));
    }
    return calls;
  }
}
