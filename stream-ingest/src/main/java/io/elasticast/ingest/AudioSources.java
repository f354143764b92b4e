package io.elasticast.ingest;

import io.elasticast.schemas.SampleEncoding;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/**
 * Opens what the user named: {@code -} (raw PCM on stdin), a URL or a non-Java-Sound file (decoded
 * by ffmpeg), or a WAV/AIFF/AU file (Java Sound, converted to 16-bit little-endian).
 */
public final class AudioSources {

  public static final String STDIN = "-";
  static final Set<String> JAVA_SOUND_EXTENSIONS = Set.of("wav", "wave", "aif", "aiff", "aifc", "au", "snd");
  static final Set<String> FFMPEG_EXTENSIONS = Set.of(
      "flac", "ogg", "oga", "opus", "mp3", "m4a", "mp4", "aac", "wma", "webm", "mka", "mkv", "caf", "amr");

  /** How to read raw PCM from stdin, which carries no header. */
  public record RawStdin(PcmFormat format, InputStream in) {}

  private AudioSources() {}

  public static boolean isUrl(String source) {
    return source.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
  }

  /**
   * Replaces each directory by the audio files under it (sorted); other names pass unchanged. A
   * directory without audio files is an error naming it.
   */
  public static List<String> expand(List<String> sources) throws SourceException {
    List<String> out = new ArrayList<>();
    for (String source : sources) {
      if (source.equals(STDIN) || isUrl(source) || !Files.isDirectory(Path.of(source))) {
        out.add(source);
        continue;
      }
      List<String> files;
      try (Stream<Path> walk = Files.walk(Path.of(source), 8)) {
        files = walk.filter(Files::isRegularFile).filter(AudioSources::isAudioFile)
            .map(Path::toString).sorted().toList();
      } catch (IOException e) {
        throw new SourceException(source + ": cannot list directory: " + e.getMessage(), e);
      }
      if (files.isEmpty()) {
        throw new SourceException(source + ": directory holds no audio files");
      }
      out.addAll(files);
    }
    return out;
  }

  static boolean isAudioFile(Path path) {
    String ext = extension(path.getFileName().toString());
    return JAVA_SOUND_EXTENSIONS.contains(ext) || FFMPEG_EXTENSIONS.contains(ext);
  }

  static String extension(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  /** A short name for stream ids and summaries: the file name without extension, or the URL. */
  public static String displayName(String source) {
    if (source.equals(STDIN)) {
      return "stdin";
    }
    if (isUrl(source)) {
      return source.replaceAll("^[a-zA-Z][a-zA-Z0-9+.-]*://", "").replaceAll("[^A-Za-z0-9._-]+", "_");
    }
    String name = Path.of(source).getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  /** Opens one source; {@code stdin} is used only for {@code -}. */
  public static PcmReader open(String source, RawStdin stdin) throws SourceException {
    if (source.equals(STDIN)) {
      if (stdin == null) {
        throw new SourceException("-: reading stdin needs --format, --rate and --channels");
      }
      return new PcmReader(stdin.format(), stdin.in(), null);
    }
    if (isUrl(source)) {
      return FfmpegDecoder.open(source);
    }
    Path path = Path.of(source);
    if (!Files.exists(path)) {
      throw new SourceException(source + ": no such file");
    }
    if (!Files.isReadable(path) || Files.isDirectory(path)) {
      throw new SourceException(source + ": not a readable file");
    }
    if (JAVA_SOUND_EXTENSIONS.contains(extension(path.getFileName().toString()))) {
      return openJavaSound(path);
    }
    return FfmpegDecoder.open(source);
  }

  static PcmReader openJavaSound(Path path) throws SourceException {
    AudioInputStream original;
    try {
      original = AudioSystem.getAudioInputStream(new BufferedInputStream(Files.newInputStream(path)));
    } catch (UnsupportedAudioFileException e) {
      throw new SourceException(path + ": unsupported or corrupt audio file ("
          + (e.getMessage() == null ? "unrecognised header" : e.getMessage()) + ")", e);
    } catch (IOException e) {
      throw new SourceException(path + ": cannot read: " + e.getMessage(), e);
    }
    AudioFormat in = original.getFormat();
    AudioFormat s16 = new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, in.getSampleRate(), 16,
        in.getChannels(), 2 * in.getChannels(), in.getSampleRate(), false);
    AudioInputStream converted;
    if (matches(in, s16)) {
      converted = original;
    } else if (AudioSystem.isConversionSupported(s16, in)) {
      converted = AudioSystem.getAudioInputStream(s16, original);
    } else {
      closeQuietly(original);
      throw new SourceException(path + ": cannot convert " + in + " to 16-bit PCM");
    }
    float rate = in.getSampleRate();
    if (rate != Math.rint(rate) || rate <= 0) {
      closeQuietly(converted);
      throw new SourceException(path + ": unusable sample rate " + rate);
    }
    long declared = original.getFrameLength();
    PcmFormat format = new PcmFormat((int) rate, in.getChannels(), SampleEncoding.PCM_S16LE);
    return new PcmReader(format, converted, null) {
      @Override
      public void finish() throws SourceException {
        if (declared != AudioSystem.NOT_SPECIFIED && framesRead() < declared) {
          throw new SourceException(String.format("%s: truncated: header promises %.2f s, file holds %.2f s",
              path, format.seconds(declared), format.seconds(framesRead())));
        }
      }
    };
  }

  private static boolean matches(AudioFormat a, AudioFormat b) {
    return a.getEncoding().equals(b.getEncoding()) && a.getSampleSizeInBits() == b.getSampleSizeInBits()
        && a.isBigEndian() == b.isBigEndian() && a.getChannels() == b.getChannels();
  }

  static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // Already failing with a clearer message.
    }
  }
}
