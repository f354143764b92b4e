package io.elasticast.app.bench;

import io.elasticast.featurizer.FeaturizerSettings;
import io.elasticast.featurizer.OfflineFeed;
import io.elasticast.inference.InferenceSettings;
import io.elasticast.inference.ModelConfig;
import io.elasticast.inference.Patchifier;
import io.elasticast.inference.WindowClassifier;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.SpectrogramWindow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * What the model alone could serve on this machine: the windows one feed makes per second of audio
 * under the job's policies (its featurizer run offline over the bench's clips, looped as ingest
 * loops them), and the windows per second the model scores when they come in packed batches of
 * that mix, as the inference operator runs them. Their ratio is the number of feeds the model's
 * arithmetic allows; the pipeline bench compares what it sustains with it.
 */
public final class ModelCapacity {

  /** The windows one feed makes: their shapes, and how many per second of audio. */
  public record Mix(List<SpectrogramWindow> windows, double audioSeconds) {

    public double windowsPerFeedSecond() {
      return windows.size() / audioSeconds;
    }
  }

  /** One measurement: windows per second scored, and the feeds that makes. */
  public record Result(Mix mix, double windowsPerSecond, int calls, double seconds) {

    public double feeds() {
      return windowsPerSecond / mix.windowsPerFeedSecond();
    }
  }

  private ModelCapacity() {}

  /** Each clip looped {@code loops} times, back to back, through the job's featurizer, in chunks. */
  public static Mix mix(FeaturizerSettings settings, List<float[]> clips, int loops, int chunkSamples) {
    List<SpectrogramWindow> windows = new ArrayList<>();
    double seconds = 0;
    int c = 0;
    for (float[] clip : clips) {
      OfflineFeed feed = new OfflineFeed("mix-" + c++, settings);
      long seq = 0;
      long startMicros = 0;
      for (int loop = 0; loop < loops; loop++) {
        for (int at = 0; at < clip.length; at += chunkSamples) {
          float[] samples = Arrays.copyOfRange(clip, at, Math.min(clip.length, at + chunkSamples));
          feed.accept(NormalisedAudio.chunk("mix", seq++, startMicros, samples, null), windows::add);
          startMicros += NormalisedAudio.durationMicros(samples.length);
        }
      }
      feed.flush(windows::add);
      seconds += (double) loops * clip.length / NormalisedAudio.SAMPLE_RATE;
    }
    return new Mix(windows, seconds);
  }

  /**
   * Scores windows of the mix's shapes (shuffled, seeded) in batches of the settings' token budget
   * for {@code measureSeconds} after {@code warmupSeconds}, with the settings' threads.
   */
  public static Result measure(ModelConfig model, InferenceSettings settings, Mix mix,
      double warmupSeconds, double measureSeconds) {
    List<SpectrogramWindow> pool = new ArrayList<>(mix.windows());
    Collections.shuffle(pool, new Random(7));
    Patchifier patchifier = new Patchifier(model, settings.featureScale());
    try (WindowClassifier classifier = WindowClassifier.open(model, settings)) {
      int next = 0;
      long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
      while (System.nanoTime() < warmEnd) {
        next = runBatch(classifier, pool, next, settings.tokenBudget(), patchifier, null);
      }
      int[] windows = new int[1];
      int calls = 0;
      long start = System.nanoTime();
      long end = start + (long) (measureSeconds * 1e9);
      while (System.nanoTime() < end) {
        next = runBatch(classifier, pool, next, settings.tokenBudget(), patchifier, windows);
        calls++;
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      return new Result(mix, windows[0] / elapsed, calls, elapsed);
    }
  }

  /** One batch from {@code pool} starting at {@code next} (wrapping), filled to the token budget. */
  private static int runBatch(WindowClassifier classifier, List<SpectrogramWindow> pool, int next,
      int budget, Patchifier patchifier, int[] count) {
    List<SpectrogramWindow> batch = new ArrayList<>();
    int tokens = 0;
    while (tokens < budget) {
      SpectrogramWindow w = pool.get(next);
      next = (next + 1) % pool.size();
      batch.add(w);
      tokens += patchifier.tokens(w);
    }
    WindowClassifier.Outcome outcome = classifier.classify(batch);
    if (count != null) {
      count[0] += outcome.scored().size();
    }
    return next;
  }
}
