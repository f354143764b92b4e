package io.elasticast.app;

import io.elasticast.bench.FeaturesBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code elasticast bench features}: the Java fbank against torchaudio's on the same audio, one
 * thread each, side by side ({@link FeaturesBenchmark}, module {@code bench}).
 */
@Command(
    name = "features",
    mixinStandardHelpOptions = true,
    description = "Java fbank vs torchaudio fbank on the same audio, single-threaded, side by side.")
public final class BenchFeaturesCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--minutes", defaultValue = "10", description = "audio length (default ${DEFAULT-VALUE})")
  double minutes;

  @Option(names = "--repeats", defaultValue = "3", description = "timed runs per side (default ${DEFAULT-VALUE})")
  int repeats;

  @Option(names = "--frame-shift-ms", defaultValue = "10")
  int frameShiftMs;

  @Option(names = "--mel-bins", defaultValue = "128")
  int melBins;

  @Option(names = "--python", defaultValue = "/usr/bin/python3",
      description = "interpreter with torch and torchaudio (default ${DEFAULT-VALUE})")
  String python;

  @Override
  public Integer call() throws Exception {
    return new FeaturesBenchmark(minutes, repeats, frameShiftMs, melBins, python)
        .run(spec.commandLine().getOut(), spec.commandLine().getErr());
  }
}
