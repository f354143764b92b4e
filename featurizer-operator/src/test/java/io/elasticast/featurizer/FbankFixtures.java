package io.elasticast.featurizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The golden torchaudio outputs written by {@code src/test/python/make_fbank_fixtures.py}: one
 * {@link Case} per (clip, frame shift, mel bins), read from test resources.
 */
final class FbankFixtures {

  static final String DIR = "/fbank-fixtures/";

  /**
   * {@code expected}: torchaudio on float32 input (what AST trains on); {@code expectedFloat64}: the
   * same in float64, or null where the generator did not write it.
   */
  record Case(String clip, int frameShiftMs, int melBins, int frames, float[] samples,
      float[] expected, float[] expectedFloat64) {
    @Override
    public String toString() {
      return clip + " @" + frameShiftMs + "ms x" + melBins;
    }
  }

  private FbankFixtures() {}

  static List<Case> all() {
    List<Case> cases = new ArrayList<>();
    String index = new String(read("index.tsv"), StandardCharsets.UTF_8);
    for (String line : index.split("\n")) {
      if (line.isBlank() || line.startsWith("clip\t")) {
        continue;
      }
      String[] f = line.split("\t");
      float[] samples = floats(read(f[0] + ".f32"));
      if (samples.length != Integer.parseInt(f[1])) {
        throw new IllegalStateException("fixture " + f[0] + " has " + samples.length + " samples");
      }
      cases.add(new Case(f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3]),
          Integer.parseInt(f[4]), samples, floats(read(f[5])),
          f[6].equals("-") ? null : floats(read(f[6]))));
    }
    return cases;
  }

  static float[] clip(String name) {
    return floats(read(name + ".f32"));
  }

  private static byte[] read(String name) {
    try (InputStream in = FbankFixtures.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + DIR + name
            + " (regenerate with src/test/python/make_fbank_fixtures.py)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static float[] floats(byte[] bytes) {
    float[] out = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }
}
