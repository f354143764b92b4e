package io.elasticast.app.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * CPU profiles of running JVMs with async-profiler (the library Flink itself ships, loaded into a
 * JVM through {@code jcmd JVMTI.agent_load}): wall-clock-independent CPU samples with Java,
 * native (ONNX Runtime, JTransforms' JIT code, libc) and JVM (GC, compiler) frames, as collapsed
 * stacks, and what they say: the frames most often on top, per process.
 */
public final class CpuProfile {

  private static Path library;

  private CpuProfile() {}

  /** Starts CPU sampling (every 5 ms of CPU time, per thread) in JVM {@code pid}. */
  public static void start(long pid) throws IOException, InterruptedException {
    agent(pid, "start,event=itimer,interval=5ms");
  }

  /** Stops sampling in {@code pid} and writes its collapsed stacks to {@code file}. */
  public static void stop(long pid, Path file) throws IOException, InterruptedException {
    agent(pid, "stop,file=" + file.toAbsolutePath() + ",collapsed");
  }

  private static void agent(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    // jcmd splits an unquoted option at its commas
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "JVMTI.agent_load",
        library().toString(), "\"" + command + "\"").redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !output.contains("return code: 0")) {
      throw new IOException("async-profiler '" + command + "' in " + pid + " failed: " + output.trim());
    }
  }

  /** async-profiler's linux-x64 library, from its jar on the classpath, in a temp file. */
  static synchronized Path library() throws IOException {
    if (library == null) {
      try (InputStream in = CpuProfile.class.getResourceAsStream("/linux-x64/libasyncProfiler.so")) {
        if (in == null) {
          throw new IOException("async-profiler's linux-x64 library is not on the classpath");
        }
        Path file = Files.createTempFile("libasyncProfiler", ".so");
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        file.toFile().deleteOnExit();
        library = file;
      }
    }
    return library;
  }

  /** Share of all samples per leaf frame, largest first (at most {@code limit}). */
  public static Map<String, Double> topFrames(Path collapsed, int limit) throws IOException {
    Map<String, Long> self = new HashMap<>();
    long total = 0;
    for (String line : Files.readAllLines(collapsed)) {
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      long n = Long.parseLong(line.substring(space + 1));
      String stack = line.substring(0, space);
      self.merge(stack.substring(stack.lastIndexOf(';') + 1), n, Long::sum);
      total += n;
    }
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(self.entrySet());
    sorted.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    Map<String, Double> top = new LinkedHashMap<>();
    for (Map.Entry<String, Long> e : sorted.subList(0, Math.min(limit, sorted.size()))) {
      top.put(e.getKey(), e.getValue() / (double) Math.max(1, total));
    }
    return top;
  }

  /** Prints each process's top frames. */
  public static void print(PrintWriter out, Map<String, Path> profiles, int limit) throws IOException {
    for (Map.Entry<String, Path> p : profiles.entrySet()) {
      out.printf("  %s (%s):%n", p.getKey(), p.getValue());
      for (Map.Entry<String, Double> f : topFrames(p.getValue(), limit).entrySet()) {
        out.printf("    %5.1f%%  %s%n", 100 * f.getValue(), f.getKey());
      }
    }
  }
}
