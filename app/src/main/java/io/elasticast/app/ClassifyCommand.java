package io.elasticast.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.elasticast.featurizer.FbankConfig;
import io.elasticast.featurizer.FbankExtractor;
import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.inference.InferenceSettings;
import io.elasticast.inference.InvalidModelException;
import io.elasticast.inference.LogitsDecoder;
import io.elasticast.inference.ModelConfig;
import io.elasticast.inference.Patchifier;
import io.elasticast.inference.WindowClassifier;
import io.elasticast.schemas.LabelScore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code elasticast classify FILE...}: each file becomes one native-length window (capped) and all
 * of them go through the same featurizer, packer and runtime as the stream job; one JSON object
 * per file, in argument order: the best label and score, the {@code top} labels, and the labels
 * {@code detected} (every one at or above its threshold, see {@link LogitsDecoder}). A file shorter
 * than one 16-frame patch (a 0.1 s click) is padded to one, as in training. A file that cannot be read or classified gets a JSON line with an
 * "error" instead, and the exit code is 1.
 */
@Command(
    name = "classify",
    mixinStandardHelpOptions = true,
    description = "Classify audio files (16 kHz WAV): one JSON line per file.")
public final class ClassifyCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "16 kHz WAV files")
  List<Path> files;

  @Option(names = "--frame-shift-ms", defaultValue = "10",
      description = "fbank frame shift, the model's time resolution (default ${DEFAULT-VALUE})")
  int frameShiftMs;

  @Option(names = "--max-seconds",
      description = "cap each file at this length (default: the longest the model's time table"
          + " holds at this frame shift)")
  Double maxSeconds;

  @Option(names = "--model", converter = ModelPathConverter.class, defaultValue = "model/artifacts", paramLabel = "DIR",
      description = "model directory with model.json, or a model*.json file (default ${DEFAULT-VALUE})")
  Path model;

  @Option(names = "--threads", defaultValue = "0",
      description = "ONNX Runtime threads, 0 = one per core (default ${DEFAULT-VALUE})")
  int threads;

  @Option(names = "--top", defaultValue = "3", description = "labels listed per file (default ${DEFAULT-VALUE})")
  int top;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ModelConfig config;
    FbankConfig fbank;
    try {
      config = ModelConfig.load(model);
      fbank = FbankConfig.ast(frameShiftMs, config.numMelBins());
    } catch (InvalidModelException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    if (!config.frameShiftsMs().contains(frameShiftMs)) {
      err.println("warning: the model was trained at frame shifts " + config.frameShiftsMs()
          + " ms, not " + frameShiftMs + " ms");
    }
    int maxSamples = maxSamples(config, fbank);

    Map<Path, String> errors = new LinkedHashMap<>();
    Map<SpectrogramWindow, Path> fileOf = new IdentityHashMap<>();
    List<SpectrogramWindow> windows = new ArrayList<>();
    FbankExtractor extractor = new FbankExtractor(fbank);
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      try {
        float[] samples = FeaturesCommand.readMono(file, fbank.sampleRate());
        samples = Arrays.copyOf(samples, Math.min(samples.length, maxSamples));
        SpectrogramWindow w = window(file, i, samples, extractor, fbank);
        windows.add(w);
        fileOf.put(w, file);
      } catch (IOException | IllegalArgumentException e) {
        errors.put(file, e.getMessage());
      }
    }

    Map<Path, ObjectNode> results = new LinkedHashMap<>();
    JobConfig.Inference job = JobConfig.defaults().inference;
    InferenceSettings settings = new InferenceSettings(model.toString(), threads, false,
        job.maxCallTokens, job.maxDelayMs, job.maxWaiting, top, Patchifier.FeatureScale.RAW_LOG_MEL);
    try (WindowClassifier classifier = WindowClassifier.open(config, settings)) {
      LogitsDecoder decoder = LogitsDecoder.forModel(config);
      WindowClassifier.Outcome outcome = classifier.classify(windows);
      for (WindowClassifier.Scored s : outcome.scored()) {
        float[] scores = decoder.scores(s.logits());
        results.put(fileOf.get(s.window()), json(fileOf.get(s.window()),
            decoder.topKOfScores(scores, top), decoder.detectedOfScores(scores)));
      }
      outcome.rejected().forEach(r -> errors.put(fileOf.get(r.window()), r.reason()));
    } catch (InvalidModelException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }

    for (Path file : files) {
      ObjectNode line = results.get(file);
      if (line == null) {
        line = JSON.createObjectNode().put("file", file.toString())
            .put("error", errors.getOrDefault(file, "not classified"));
      }
      out.println(line.toString());
    }
    out.flush();
    return errors.isEmpty() ? 0 : 1;
  }

  /** The longest input the model's time table can place at this frame shift, or --max-seconds. */
  private int maxSamples(ModelConfig config, FbankConfig fbank) {
    int maxFrames = config.maxTimePositions() * config.patchSize();
    int tableSamples = fbank.windowSize() + (maxFrames - 1) * fbank.windowShift();
    if (maxSeconds == null) {
      return tableSamples;
    }
    if (!(maxSeconds > 0)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-seconds must be positive");
    }
    return (int) Math.min(tableSamples, Math.round(maxSeconds * fbank.sampleRate()));
  }

  private static SpectrogramWindow window(Path file, int index, float[] samples,
      FbankExtractor extractor, FbankConfig fbank) {
    int bins = fbank.numMelBins();
    float[] features = extractor.extract(samples);
    int frames = features.length / bins;
    if (frames == 0) {
      throw new IllegalArgumentException(file + " is shorter than one " + fbank.windowSize()
          + "-sample frame");
    }
    long endMicros = samples.length * 1_000_000L / fbank.sampleRate();
    return new SpectrogramWindow(file.toString(), index, "file", 0, endMicros,
        fbank.frameShiftMs(), frames, bins, false, features);
  }

  private static ObjectNode json(Path file, List<LabelScore> top, List<LabelScore> detected) {
    ObjectNode line = JSON.createObjectNode();
    line.put("file", file.toString());
    line.put("label", top.get(0).getLabel());
    line.put("score", top.get(0).getScore());
    scores(line.putArray("top"), top);
    scores(line.putArray("detected"), detected);
    return line;
  }

  private static void scores(ArrayNode list, List<LabelScore> scores) {
    for (LabelScore s : scores) {
      list.addObject().put("label", s.getLabel()).put("score", s.getScore());
    }
  }
}
