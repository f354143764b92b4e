package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BenchPipelineCommandTest {

  @Test
  void latencyBreakdownGivesEachPolicyAndTheInferenceOperatorTheirOwnPercentiles() {
    Map<String, List<Long>> byPolicy = new TreeMap<>();
    List<Long> sliding = new ArrayList<>();
    for (long ms = 1; ms <= 100; ms++) {
      sliding.add(ms * 1000); // unsorted order must not matter
    }
    java.util.Collections.reverse(sliding);
    byPolicy.put("sliding-1s/0.5s@10ms", sliding);
    byPolicy.put("segment-0.5s-10s@10ms", List.of(2_000_000L));
    String line = BenchPipelineCommand.latencyBreakdown(byPolicy, List.of(30_000L, 10_000L, 20_000L),
        List.of(400_000L));
    assertThat(line).isEqualTo("latency p50/p99 ms by policy: segment-0.5s-10s@10ms 2000/2000 (1 windows)"
        + " sliding-1s/0.5s@10ms 50/99 (100 windows); window ready -> event emitted in the job 20/30;"
        + " the rest (before the inference operator and after it) 400/400");
  }
}
