package io.elasticast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a pass spends its time, from ONNX Runtime's own profiler (a session opened with profiling
 * on writes one JSON trace of every kernel it ran). Kernel times are summed by what the op does:
 * the profiler slows every kernel a little, so the shares are the result, not the sum.
 */
public final class OpProfile {

  /** What an op does, in the order the table prints. */
  public enum Kind {
    LINEAR("linear"),        // MatMul / Gemm with a weight: patch embedding, qkv, proj, MLP, pool, head
    ATTENTION("attention"),  // QKᵀ and AV MatMuls, Softmax, contrib attention kernels
    NORM("norms"),           // (Skip)LayerNormalization
    GATHER("gathers"),       // Gather / GatherElements / ScatterElements: layout moves and table lookups
    ELEMENTWISE("elementwise"), // Add, Mul, Erf, Gelu, Where, Cast, Equal, ...: masks, activations, residuals
    LAYOUT("layout");        // Transpose, Reshape, Concat, Slice, Shape, NonZero, control flow, ...

    public final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  private final Map<Kind, Double> micros;
  private final int kernels;

  private OpProfile(Map<Kind, Double> micros, int kernels) {
    this.micros = micros;
    this.kernels = kernels;
  }

  /** Sums the kernel events of an ORT profile file after its first {@code skipRuns} runs (warm-up). */
  public static OpProfile read(Path trace, int skipRuns) throws IOException {
    JsonNode events = new ObjectMapper().readTree(trace.toFile());
    java.util.List<Long> runStarts = new java.util.ArrayList<>();
    for (JsonNode e : events) {
      if ("model_run".equals(e.path("name").asText())) {
        runStarts.add(e.path("ts").asLong());
      }
    }
    java.util.Collections.sort(runStarts);
    long fromMicros = skipRuns <= 0 || runStarts.isEmpty() ? 0
        : skipRuns < runStarts.size() ? runStarts.get(skipRuns) : Long.MAX_VALUE;
    Map<Kind, Double> sums = new LinkedHashMap<>();
    for (Kind k : Kind.values()) {
      sums.put(k, 0.0);
    }
    int kernels = 0;
    for (JsonNode e : events) {
      if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time")
          || e.path("ts").asLong() < fromMicros) {
        continue;
      }
      JsonNode args = e.path("args");
      Kind kind = classify(args.path("op_name").asText(), args.path("parameter_size").asLong(0) > 0);
      sums.merge(kind, e.path("dur").asDouble(), Double::sum);
      kernels++;
    }
    return new OpProfile(sums, kernels);
  }

  static Kind classify(String op, boolean hasWeights) {
    return switch (op) {
      case "MatMul", "Gemm", "FusedMatMul", "MatMulNBits" -> hasWeights ? Kind.LINEAR : Kind.ATTENTION;
      case "Softmax", "Attention", "MultiHeadAttention", "GroupQueryAttention" -> Kind.ATTENTION;
      case "LayerNormalization", "SkipLayerNormalization", "SimplifiedLayerNormalization" -> Kind.NORM;
      case "Gather", "GatherElements", "GatherND", "ScatterElements", "ScatterND" -> Kind.GATHER;
      case "Add", "Sub", "Mul", "Div", "Erf", "Gelu", "BiasGelu", "FastGelu", "Where", "Cast",
          "Equal", "Not", "Less", "Greater", "GreaterOrEqual", "And", "Or", "Expand",
          "ConstantOfShape", "CumSum", "Range", "Max", "Min", "ReduceMax", "ReduceMin", "ReduceSum" ->
          Kind.ELEMENTWISE;
      default -> Kind.LAYOUT;
    };
  }

  public double share(Kind kind) {
    double total = totalMicros();
    return total == 0 ? 0 : micros.get(kind) / total;
  }

  public double totalMicros() {
    return micros.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  public int kernels() {
    return kernels;
  }

  /** e.g. {@code linear 52% attention 14% norms 6% gathers 9% elementwise 12% layout 7%}. */
  public String shares() {
    StringBuilder s = new StringBuilder();
    for (Kind k : Kind.values()) {
      s.append(s.isEmpty() ? "" : " ").append(k.label).append(' ')
          .append(Math.round(100 * share(k))).append('%');
    }
    return s.toString();
  }
}
