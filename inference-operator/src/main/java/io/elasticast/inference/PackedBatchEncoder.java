package io.elasticast.inference;

import io.elasticast.schemas.SpectrogramWindow;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;

/**
 * Turns one planned call into the serving contract's flat inputs: {@code patches} [T, 256],
 * {@code freq_pos}/{@code time_pos}/{@code sample_ids} [T] and {@code rows} [R, L] (T marks a
 * padding slot). Window k of {@link PackPlanner.Call#windowOrder()} gets sample id k and its
 * tokens are contiguous, so each row's tokens are contiguous too.
 *
 * <p>The buffers are direct and native-ordered (ONNX Runtime wraps them without a copy) and are
 * reused from call to call, growing only when a call is larger than any before. One encoder per
 * thread; a returned {@link PackedBatch} is valid until the next {@link #encode}.
 */
public final class PackedBatchEncoder {

  private final Patchifier patchifier;
  private FloatBuffer patches = floats(0);
  private LongBuffer freqPos = longs(0);
  private LongBuffer timePos = longs(0);
  private LongBuffer sampleIds = longs(0);
  private LongBuffer rows = longs(0);

  public PackedBatchEncoder(Patchifier patchifier) {
    this.patchifier = patchifier;
  }

  /** The flat inputs of one call; buffers hold exactly the used elements (position 0, limit = size). */
  public record PackedBatch(
      int tokens,
      int rowCount,
      int width,
      int[] windowOrder,
      FloatBuffer patches,
      LongBuffer freqPos,
      LongBuffer timePos,
      LongBuffer sampleIds,
      LongBuffer rows) {

    public int windows() {
      return windowOrder.length;
    }

    public long[] patchesShape(int patchValues) {
      return new long[] {tokens, patchValues};
    }

    public long[] rowsShape() {
      return new long[] {rowCount, width};
    }
  }

  /** Encodes {@code call}, whose window indices point into {@code windows}. */
  public PackedBatch encode(List<SpectrogramWindow> windows, PackPlanner.Call call) {
    int values = patchifier.patchValues();
    int t = call.tokens();
    int r = call.rows().size();
    int width = call.width();
    ensureCapacity(t, values, r * width);

    int token = 0;
    int sample = 0;
    int slot = 0;
    for (PackPlanner.Row row : call.rows()) {
      int rowStart = slot;
      for (int w : row.windows()) {
        SpectrogramWindow window = windows.get(w);
        int n = patchifier.tokens(window);
        patchifier.write(window, patches, freqPos, timePos, token);
        for (int i = 0; i < n; i++) {
          sampleIds.put(token + i, sample);
          rows.put(slot++, token + i);
        }
        token += n;
        sample++;
      }
      while (slot < rowStart + width) {
        rows.put(slot++, t); // padding slot (the value T): masked inside the graph
      }
    }
    if (token != t) {
      throw new IllegalStateException("plan says " + t + " tokens, windows gave " + token);
    }
    return new PackedBatch(t, r, width, call.windowOrder(),
        view(patches, t * values), view(freqPos, t), view(timePos, t), view(sampleIds, t),
        view(rows, r * width));
  }

  private void ensureCapacity(int tokens, int values, int slots) {
    if (patches.capacity() < tokens * values) {
      int grown = Math.max(tokens, patches.capacity() / values * 3 / 2);
      patches = floats(grown * values);
      freqPos = longs(grown);
      timePos = longs(grown);
      sampleIds = longs(grown);
    }
    if (rows.capacity() < slots) {
      rows = longs(Math.max(slots, rows.capacity() * 3 / 2));
    }
  }

  private static FloatBuffer view(FloatBuffer b, int size) {
    return b.duplicate().position(0).limit(size).slice();
  }

  private static LongBuffer view(LongBuffer b, int size) {
    return b.duplicate().position(0).limit(size).slice();
  }

  private static FloatBuffer floats(int n) {
    return ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static LongBuffer longs(int n) {
    return ByteBuffer.allocateDirect(n * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
  }
}
