package io.elasticast.app;

import io.elasticast.featurizer.FbankConfig;
import io.elasticast.featurizer.FbankExtractor;
import io.elasticast.featurizer.FeatureNormalizer;
import io.elasticast.featurizer.NpyWriter;
import io.elasticast.inference.InvalidModelException;
import io.elasticast.inference.ModelConfig;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code elasticast features IN.wav --out OUT.npy}: the model's input features for one file, as a
 * float32 [frames, bins] .npy: Kaldi fbank exactly as AST computes it (raw log-mel, or normalised
 * with the model's mean/std). Samples are read as {@code torchaudio.load} reads them (s16 / 32768).
 */
@Command(
    name = "features",
    mixinStandardHelpOptions = true,
    description = "Write the log-mel fbank of a 16 kHz WAV file as a float32 .npy [frames, bins].")
public final class FeaturesCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN.wav", description = "16 kHz WAV (PCM 8/16/24/32-bit or float)")
  Path input;

  @Option(names = "--out", required = true, paramLabel = "OUT.npy")
  Path output;

  @Option(names = "--frame-shift-ms", defaultValue = "10", description = "frame shift (default ${DEFAULT-VALUE})")
  int frameShiftMs;

  @Option(names = "--mel-bins", defaultValue = "128", description = "mel bins (default ${DEFAULT-VALUE})")
  int melBins;

  @Option(names = "--normalize", description = "apply (x - mean) / (2 std) with --model or --mean/--std")
  boolean normalize;

  @Option(names = "--model", converter = ModelPathConverter.class, paramLabel = "DIR", description = "model directory (model.json) for mean/std")
  Path model;

  @Option(names = "--mean", description = "dataset mean for --normalize")
  Double mean;

  @Option(names = "--std", description = "dataset std for --normalize")
  Double std;

  @Override
  public Integer call() {
    var err = spec.commandLine().getErr();
    try {
      FeatureNormalizer normalizer = normalize ? normalizer() : null;
      FbankConfig config = FbankConfig.ast(frameShiftMs, melBins);
      float[] samples = readMono(input, config.sampleRate());
      float[] features = new FbankExtractor(config).extract(samples);
      int frames = features.length / melBins;
      if (frames == 0) {
        err.println("error: " + input + " has " + samples.length + " samples, fewer than one "
            + config.windowSize() + "-sample frame");
        return 1;
      }
      if (normalizer != null) {
        normalizer.applyInPlace(features);
      }
      NpyWriter.writeFloat32(output, features, frames, melBins);
      spec.commandLine().getOut().printf("wrote %s: %d frames x %d bins (%s, %d ms shift)%n", output,
          frames, melBins, normalizer == null ? "raw log-mel" : "normalised", frameShiftMs);
      return 0;
    } catch (IllegalArgumentException | InvalidModelException | IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
  }

  private FeatureNormalizer normalizer() {
    if (model != null && (mean != null || std != null)) {
      throw new IllegalArgumentException("give either --model or --mean/--std, not both");
    }
    if (model != null) {
      ModelConfig config = ModelConfig.load(model);
      return new FeatureNormalizer(config.mean(), config.std());
    }
    if (mean == null || std == null) {
      throw new IllegalArgumentException("--normalize needs --model DIR or both --mean and --std");
    }
    return new FeatureNormalizer(mean, std);
  }

  /**
   * Reads channel 0 of a WAV file as floats in [-1, 1] the way {@code torchaudio.load} scales them
   * (signed n-bit / 2^(n-1), unsigned 8-bit centred at 128, float as is). Kaldi fbank uses channel 0
   * of multi-channel input too.
   */
  static float[] readMono(Path file, int requiredRate) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("no such file: " + file);
    }
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        AudioInputStream in = AudioSystem.getAudioInputStream(raw)) {
      AudioFormat format = in.getFormat();
      if (Math.round(format.getSampleRate()) != requiredRate) {
        throw new IllegalArgumentException(file + " is " + Math.round(format.getSampleRate())
            + " Hz; features are defined at " + requiredRate + " Hz: resample first (e.g. sox "
            + file + " -r " + requiredRate + " out.wav)");
      }
      int bytes = format.getSampleSizeInBits() / 8;
      int frameSize = format.getFrameSize();
      byte[] data = in.readAllBytes();
      int frames = data.length / frameSize;
      ByteBuffer buf = ByteBuffer.wrap(data)
          .order(format.isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
      AudioFormat.Encoding encoding = format.getEncoding();
      float[] out = new float[frames];
      for (int i = 0; i < frames; i++) {
        int at = i * frameSize;
        out[i] = sample(buf, at, bytes, encoding, file);
      }
      return out;
    } catch (UnsupportedAudioFileException e) {
      throw new IOException(file + " is not a WAV/AIFF/AU file Java Sound can read ("
          + e.getMessage() + "); convert it first, e.g. ffmpeg -i " + file + " -ar 16000 out.wav");
    }
  }

  private static float sample(ByteBuffer buf, int at, int bytes, AudioFormat.Encoding encoding,
      Path file) {
    if (encoding == AudioFormat.Encoding.PCM_FLOAT && bytes == 4) {
      return buf.getFloat(at);
    }
    if (encoding == AudioFormat.Encoding.PCM_UNSIGNED && bytes == 1) {
      return ((buf.get(at) & 0xff) - 128) / 128f;
    }
    if (encoding == AudioFormat.Encoding.PCM_SIGNED) {
      switch (bytes) {
        case 1:
          return buf.get(at) / 128f;
        case 2:
          return buf.getShort(at) / 32768f;
        case 3: {
          boolean big = buf.order() == ByteOrder.BIG_ENDIAN;
          int b0 = buf.get(at) & 0xff;
          int b1 = buf.get(at + 1) & 0xff;
          int b2 = buf.get(at + 2);
          int v = big ? (buf.get(at) << 16) | (b1 << 8) | (buf.get(at + 2) & 0xff)
              : (b2 << 16) | (b1 << 8) | b0;
          return v / 8388608f;
        }
        case 4:
          return (float) (buf.getInt(at) / 2147483648.0);
        default:
          break;
      }
    }
    throw new IllegalArgumentException(file + ": unsupported sample format " + encoding + " "
        + bytes * 8 + "-bit");
  }
}
