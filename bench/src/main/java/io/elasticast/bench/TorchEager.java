package io.elasticast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.elasticast.bench.Workloads.Workload;
import io.elasticast.schemas.SpectrogramWindow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch eager baseline: one {@code pytorch_eager_bench.py} process for the whole bench,
 * running {@code forward_flat} (the serving layout) on the packed layout's own calls, one pass per
 * request, so its passes interleave with the ONNX Runtime rounds in the same process tree.
 */
final class TorchEager implements AutoCloseable {

  static final String SCRIPT = "pytorch_eager_bench.py";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final BufferedReader stdout;
  private final Writer stdin;
  private final Path log;
  private final JsonNode ready;

  TorchEager(String python, Path modelCode, Path config, int threads, Path dir) throws IOException {
    Path script = dir.resolve(SCRIPT);
    try (InputStream in = TorchEager.class.getResourceAsStream(SCRIPT)) {
      Files.copy(in, script);
    }
    log = dir.resolve("pytorch.log");
    ProcessBuilder pb = new ProcessBuilder(python, script.toString(), "--model-code",
        modelCode.toString(), "--config", config.toString(), "--threads", String.valueOf(threads))
        .redirectError(log.toFile());
    for (String var : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
      pb.environment().put(var, String.valueOf(threads));
    }
    // threads that sleep when a pass ends, rather than spin next to the ONNX Runtime passes
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    process = pb.start();
    stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    ready = reply();
  }

  /** What the child said when it started: torch version, threads, BLAS library, weights loaded. */
  JsonNode ready() {
    return ready;
  }

  /** Sends the workloads' windows and the packed layout's calls (per call: rows of window indices). */
  void load(Map<String, Workload> workloads, Map<String, List<List<int[]>>> calls, Path file)
      throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode sets = root.putObject("workloads");
    for (Map.Entry<String, Workload> e : workloads.entrySet()) {
      ObjectNode set = sets.putObject(e.getKey());
      ArrayNode windows = set.putArray("windows");
      for (SpectrogramWindow w : e.getValue().windows()) {
        windows.addArray().add(w.frames).add(w.frameShiftMs);
      }
      ArrayNode callList = set.putArray("calls");
      for (List<int[]> rows : calls.get(e.getKey())) {
        ArrayNode call = callList.addArray();
        for (int[] row : rows) {
          ArrayNode r = call.addArray();
          Arrays.stream(row).forEach(r::add);
        }
      }
    }
    Files.writeString(file, root.toString());
    request(JSON.createObjectNode().put("load", file.toString()));
  }

  /** One pass over the workload's calls; seconds. */
  double run(String workload) throws IOException {
    return request(JSON.createObjectNode().put("run", workload)).path("seconds").asDouble();
  }

  private JsonNode request(ObjectNode command) throws IOException {
    stdin.write(command.toString() + "\n");
    stdin.flush();
    return reply();
  }

  private JsonNode reply() throws IOException {
    String line = stdout.readLine();
    if (line == null) {
      throw new IOException("the PyTorch baseline stopped: " + tail());
    }
    return JSON.readTree(line);
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    try {
      stdin.write("{\"quit\": true}\n");
      stdin.flush();
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
