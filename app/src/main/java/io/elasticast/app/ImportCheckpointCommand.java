package io.elasticast.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code elasticast import-checkpoint}: converts a checkpoint released with the ElasticAST paper (a
 * PyTorch state_dict, e.g. AudioSet 527 labels) into a model directory the pipeline serves
 * ({@code model.json}, the flat-token ONNX graph, a parity fixture) by running
 * {@code model/import_checkpoint.py} with Debian's Python (torch and onnx from apt). The script is
 * found under {@code $ELASTICAST_HOME} (the launcher's repository root) unless {@code --script}
 * says otherwise; the checkpoint, labels and output paths are taken relative to the working
 * directory. The exit status is the script's (2: the file is not their state_dict, with the keys
 * named).
 */
@Command(
    name = "import-checkpoint",
    mixinStandardHelpOptions = true,
    description = "Convert a released ElasticAST checkpoint (.pth) into a servable model directory.")
public final class ImportCheckpointCommand implements Callable<Integer> {

  static final String SCRIPT = "model/import_checkpoint.py";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE.pth", description = "their state_dict (e.g. audio_model.pth)")
  Path checkpoint;

  @Option(names = "--labels", required = true, paramLabel = "LABELS.csv",
      description = "class_labels_indices.csv (index,mid,display_name) or one label a line")
  Path labels;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "model directory to write")
  Path out;

  @Option(names = "--frame-shifts", paramLabel = "MS,MS,...",
      description = "frame shifts the model serves (default: their training shifts 10,12,...,40)")
  String frameShifts;

  @Option(names = "--dataset", paramLabel = "audioset|vggsound",
      description = "fbank mean/std preset of their recipe (default audioset)")
  String dataset;

  @Option(names = "--mean", description = "fbank mean (overrides --dataset)")
  Double mean;

  @Option(names = "--std", description = "fbank std (overrides --dataset)")
  Double std;

  @Option(names = "--heads", description = "attention heads (not in a state_dict; theirs: 12)")
  Integer heads;

  @Option(names = "--name", description = "artefact name: elasticast-<name>.onnx")
  String name;

  @Option(names = "--python", defaultValue = "/usr/bin/python3",
      description = "interpreter with torch and onnx (default ${DEFAULT-VALUE})")
  String python;

  @Option(names = "--script", paramLabel = "PY",
      description = "the importer (default " + SCRIPT + " under $ELASTICAST_HOME)")
  Path script;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter stdout = spec.commandLine().getOut();
    Path importer = script != null ? script.toAbsolutePath()
        : JobConfig.resolveAgainstHome(Path.of(SCRIPT));
    if (!Files.isRegularFile(importer)) {
      err.println("error: no importer at " + importer + " (run from the repository root, set"
          + " ELASTICAST_HOME, or pass --script)");
      return 1;
    }
    if (!Files.isRegularFile(checkpoint)) {
      err.println("error: no checkpoint file " + checkpoint.toAbsolutePath());
      return 1;
    }
    ProcessBuilder pb = new ProcessBuilder(command(importer)).redirectErrorStream(true);
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      err.println("error: cannot start " + python + " (" + e.getMessage()
          + "); install python3-torch and python3-onnx or pass --python");
      return 1;
    }
    try (BufferedReader lines = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = lines.readLine()) != null; ) {
        stdout.println(line);
        stdout.flush();
      }
    }
    return process.waitFor();
  }

  /** The Python command line, paths made absolute here so the working directory does not matter. */
  List<String> command(Path importer) {
    List<String> cmd = new ArrayList<>(List.of(python, importer.toString(),
        checkpoint.toAbsolutePath().toString(), "--labels", labels.toAbsolutePath().toString(),
        "--out", out.toAbsolutePath().toString()));
    add(cmd, "--frame-shifts", frameShifts);
    add(cmd, "--dataset", dataset);
    add(cmd, "--mean", mean);
    add(cmd, "--std", std);
    add(cmd, "--heads", heads);
    add(cmd, "--name", name);
    return cmd;
  }

  private static void add(List<String> cmd, String option, Object value) {
    if (value != null) {
      cmd.add(option);
      cmd.add(String.valueOf(value));
    }
  }
}
