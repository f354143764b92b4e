package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterUnitTest {

  @Test
  void shouldWriteAnAlignedHeaderAndLittleEndianFloats(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("x.npy");
    NpyWriter.writeFloat32(file, new float[] {1.5f, -2f, 0f, 3.25f, 7f, -0.5f}, 3, 2);
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(bytes[0]).isEqualTo((byte) 0x93);
    assertThat(new String(bytes, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
    int headerLength = in.getShort(8);
    int dataStart = 10 + headerLength;
    assertThat(dataStart % 64).isZero();
    String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
    assertThat(header).contains("'descr': '<f4'").contains("'shape': (3, 2)").endsWith("\n");
    assertThat(bytes.length - dataStart).isEqualTo(6 * 4);
    assertThat(in.getFloat(dataStart)).isEqualTo(1.5f);
    assertThat(in.getFloat(dataStart + 5 * 4)).isEqualTo(-0.5f);
  }

  @Test
  void shouldRefuseAShapeThatDoesNotFitTheData(@TempDir Path dir) {
    assertThatThrownBy(() -> NpyWriter.writeFloat32(dir.resolve("x.npy"), new float[5], 2, 3))
        .hasMessageContaining("not 2 x 3");
  }
}
