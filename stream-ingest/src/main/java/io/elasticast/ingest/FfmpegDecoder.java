package io.elasticast.ingest;

import io.elasticast.schemas.SampleEncoding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decodes anything ffmpeg can read (files in other formats, http/rtsp/... streams) to 16-bit
 * little-endian PCM on a pipe, at the source's own rate and channel count (found by ffprobe).
 */
public final class FfmpegDecoder {

  static final long PROBE_TIMEOUT_SECONDS = 30;

  private FfmpegDecoder() {}

  public static PcmReader open(String source) throws SourceException {
    PcmFormat format = probe(source);
    List<String> command = List.of("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
        "-i", source, "-map", "0:a:0", "-vn", "-f", "s16le", "-acodec", "pcm_s16le", "-");
    Process process = start(command, source);
    StderrTail stderr = new StderrTail(process.getErrorStream());
    stderr.start();
    return new PcmReader(format, process.getInputStream(), process::destroy) {
      @Override
      public void finish() throws SourceException {
        try {
          if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroy();
            throw new SourceException(source + ": ffmpeg did not exit");
          }
          stderr.join(1_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        if (process.exitValue() != 0) {
          throw new SourceException(source + ": ffmpeg failed: " + stderr.lastLine());
        }
      }
    };
  }

  static PcmFormat probe(String source) throws SourceException {
    Process process = start(List.of("ffprobe", "-v", "error", "-select_streams", "a:0",
        "-show_entries", "stream=sample_rate,channels", "-of", "csv=p=0", source), source);
    try {
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroy();
        throw new SourceException(source + ": ffprobe timed out");
      }
      if (process.exitValue() != 0) {
        throw new SourceException(source + ": " + (err.isEmpty() ? "ffprobe failed" : lastLine(err)));
      }
      String[] fields = out.lines().findFirst().orElse("").split(",");
      if (fields.length < 2) {
        throw new SourceException(source + ": no audio stream found");
      }
      return new PcmFormat(Integer.parseInt(fields[0].trim()), Integer.parseInt(fields[1].trim()),
          SampleEncoding.PCM_S16LE);
    } catch (IOException e) {
      throw new SourceException(source + ": cannot run ffprobe: " + e.getMessage(), e);
    } catch (NumberFormatException e) {
      throw new SourceException(source + ": ffprobe gave an unexpected answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SourceException(source + ": interrupted while probing", e);
    }
  }

  private static Process start(List<String> command, String source) throws SourceException {
    try {
      return new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new SourceException(source + ": " + command.get(0)
          + " is not installed or not on PATH (needed for this format or URL)", e);
    }
  }

  static String lastLine(String text) {
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
  }

  /** Keeps ffmpeg's error output drained (so it never blocks) and remembers its last line. */
  static final class StderrTail extends Thread {
    private final InputStream in;
    private volatile String last = "unknown error";

    StderrTail(InputStream in) {
      super("ffmpeg-stderr");
      setDaemon(true);
      this.in = in;
    }

    @Override
    public void run() {
      try {
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        String line = FfmpegDecoder.lastLine(text);
        if (!line.isEmpty()) {
          last = line;
        }
      } catch (IOException ignored) {
        // The process went away; its exit code tells the story.
      }
    }

    String lastLine() {
      return last;
    }
  }
}
