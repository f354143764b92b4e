package io.elasticast.ingest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Whole frames of PCM from one source. {@link #readFrames} blocks until {@code maxFrames} frames
 * are read or the source ends, so a chunk is never cut mid-frame or short except at the end.
 */
public class PcmReader implements Closeable {

  private final PcmFormat format;
  private final InputStream in;
  private final Closeable onClose;
  private long framesRead;

  public PcmReader(PcmFormat format, InputStream in, Closeable onClose) {
    this.format = format;
    this.in = in;
    this.onClose = onClose;
  }

  public PcmFormat format() {
    return format;
  }

  public long framesRead() {
    return framesRead;
  }

  /**
   * Up to {@code maxFrames} frames; an empty array at the end. Trailing bytes that do not make a
   * whole frame are dropped (a truncated file's last partial frame).
   */
  public byte[] readFrames(int maxFrames) throws IOException {
    int frameBytes = format.frameBytes();
    byte[] buffer = new byte[maxFrames * frameBytes];
    int filled = 0;
    while (filled < buffer.length) {
      int n = in.read(buffer, filled, buffer.length - filled);
      if (n < 0) {
        break;
      }
      filled += n;
    }
    int whole = filled / frameBytes;
    framesRead += whole;
    return whole == maxFrames ? buffer : java.util.Arrays.copyOf(buffer, whole * frameBytes);
  }

  /** Skips up to {@code frames} frames; returns how many were skipped. */
  public long skipFrames(long frames) throws IOException {
    long skipped = 0;
    while (skipped < frames) {
      byte[] part = readFrames((int) Math.min(frames - skipped, 65_536));
      if (part.length == 0) {
        break;
      }
      skipped += part.length / format.frameBytes();
    }
    return skipped;
  }

  /** Checks the end of the source for errors (e.g. a decoder that failed); called after the last read. */
  public void finish() throws SourceException {}

  @Override
  public void close() throws IOException {
    try {
      in.close();
    } finally {
      if (onClose != null) {
        onClose.close();
      }
    }
  }
}
