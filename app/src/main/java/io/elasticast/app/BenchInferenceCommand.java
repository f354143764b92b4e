package io.elasticast.app;

import io.elasticast.bench.InferenceBench;
import io.elasticast.inference.InvalidModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code elasticast bench inference}: packed ONNX Runtime serving against length-bucketed padding,
 * one window at a time and PyTorch eager, on five seeded workloads, interleaved in rounds
 * ({@link InferenceBench}, module {@code bench}).
 */
@Command(
    name = "inference",
    mixinStandardHelpOptions = true,
    description = "Packed vs padded (length-bucketed) vs one-at-a-time ORT serving vs PyTorch eager, on five workloads.")
public final class BenchInferenceCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", converter = ModelPathConverter.class, defaultValue = "model/artifacts", paramLabel = "DIR|JSON",
      description = "model directory (model.json) or a model*.json (default ${DEFAULT-VALUE})")
  Path model;

  @Option(names = "--model-code", defaultValue = "model", paramLabel = "DIR",
      description = "directory with elasticast.py for the PyTorch baseline (default ${DEFAULT-VALUE})")
  Path modelCode;

  @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch (default ${DEFAULT-VALUE})")
  String python;

  @Option(names = "--threads", defaultValue = "0",
      description = "threads for ONNX Runtime and PyTorch alike; 0 = every core (default ${DEFAULT-VALUE})")
  int threads;

  @Option(names = "--scale", defaultValue = "1",
      description = "workload size factor: 1 = about 12k tokens per workload (default ${DEFAULT-VALUE})")
  double scale;

  @Option(names = "--rounds", defaultValue = "7", description = "timed rounds, modes interleaved (default ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = "--token-budget",
      description = "packed layout: real tokens per batch (default: the job's inference.max-call-tokens)")
  Integer tokenBudget;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  @Option(names = "--profile", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "per-op time shares from ONNX Runtime's profiler (default ${DEFAULT-VALUE})")
  boolean profile;

  @Override
  public Integer call() {
    var err = spec.commandLine().getErr();
    if (rounds < 1 || !(scale > 0)) {
      err.println("error: --rounds must be >= 1 and --scale > 0");
      return 1;
    }
    try {
      return new InferenceBench(new InferenceBench.Settings(model, modelCode, python, threads, scale,
          rounds, tokenBudget != null ? tokenBudget : JobConfig.defaults().inference.maxCallTokens,
          seed, profile)).run(spec.commandLine().getOut(), err);
    } catch (InvalidModelException | IOException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
  }
}
