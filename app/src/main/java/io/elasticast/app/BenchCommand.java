package io.elasticast.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code elasticast bench <what>}: side-by-side speed comparisons that print ratios. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks that print ratios measured side by side in one run.",
    subcommands = {BenchFeaturesCommand.class, NormalizeCommand.Bench.class, BenchInferenceCommand.class,
      BenchPipelineCommand.class})
public final class BenchCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
