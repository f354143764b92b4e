package io.elasticast.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * A source decoded once into memory, so many looping feeds can share one file (and one ffmpeg run)
 * and start at different offsets.
 */
public final class MemoryPcm {

  /** Loops load whole files; this bounds the memory one file may take (about 25 min of CD audio). */
  public static final long MAX_BYTES = 256L << 20;

  private final PcmFormat format;
  private final byte[] bytes;

  public MemoryPcm(PcmFormat format, byte[] bytes) {
    this.format = format;
    this.bytes = bytes;
  }

  public static MemoryPcm load(String source, PcmReader reader) throws SourceException, IOException {
    try (reader) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int framesPerRead = 65_536;
      while (true) {
        byte[] part = reader.readFrames(framesPerRead);
        if (part.length == 0) {
          break;
        }
        out.write(part);
        if (out.size() > MAX_BYTES) {
          throw new SourceException(source + ": too long to loop (over " + (MAX_BYTES >> 20)
              + " MB decoded); use it without --loop");
        }
      }
      reader.finish();
      return new MemoryPcm(reader.format(), out.toByteArray());
    }
  }

  public PcmFormat format() {
    return format;
  }

  public Reader reader() {
    return new Reader();
  }

  /** Reads the shared bytes from the start. */
  public final class Reader extends PcmReader {
    Reader() {
      super(format, new ByteArrayInputStream(bytes), null);
    }

    public long totalFrames() {
      return bytes.length / format.frameBytes();
    }
  }
}
