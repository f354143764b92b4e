package io.elasticast.featurizer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a float32 matrix as a NumPy {@code .npy} file (format 1.0, little-endian, C order). */
public final class NpyWriter {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  /** Header (magic + length + dict) is padded to a multiple of this, as numpy does. */
  private static final int ALIGN = 64;

  private NpyWriter() {}

  /** {@code data} is [rows * cols], row-major. */
  public static void writeFloat32(Path file, float[] data, int rows, int cols) throws IOException {
    if ((long) rows * cols != data.length) {
      throw new IllegalArgumentException(data.length + " values is not " + rows + " x " + cols);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(header(rows, cols));
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : data) {
        if (!buffer.hasRemaining()) {
          out.write(buffer.array(), 0, buffer.position());
          buffer.clear();
        }
        buffer.putFloat(v);
      }
      out.write(buffer.array(), 0, buffer.position());
    }
  }

  static byte[] header(int rows, int cols) {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
    int unpadded = MAGIC.length + 2 + dict.length() + 1;
    int padding = (ALIGN - unpadded % ALIGN) % ALIGN;
    String text = dict + " ".repeat(padding) + "\n";
    ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 2 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
    header.put(MAGIC).putShort((short) text.length()).put(text.getBytes(StandardCharsets.US_ASCII));
    return header.array();
  }
}
