package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.inference.PackPlanner.Call;
import io.elasticast.inference.PackPlanner.Row;
import io.elasticast.inference.PackedBatchEncoder.PackedBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackedBatchEncoderUnitTest {

  private final Patchifier patchifier = new Patchifier(16, 128, 192, 0f, 1f, 0f);

  @Test
  void shouldLayOutTokensIdsAndRowsPerTheContract() {
    List<SpectrogramWindow> windows = List.of(
        Windows.random("a", 0, 48, 10, 1), // 24 tokens
        Windows.random("b", 1, 16, 10, 2), // 8 tokens
        Windows.random("c", 2, 32, 10, 3)); // 16 tokens
    // width 24: row 0 = window 0; row 1 = windows 2 then 1 (16 + 8)
    Call call = new Call(24, List.of(new Row(new int[] {0}, 24), new Row(new int[] {2, 1}, 24)),
        48);
    PackedBatch b = new PackedBatchEncoder(patchifier).encode(windows, call);

    assertThat(b.tokens()).isEqualTo(48);
    assertThat(b.windowOrder()).containsExactly(0, 2, 1);
    assertThat(b.patches().remaining()).isEqualTo(48 * 256);
    assertThat(b.rows().remaining()).isEqualTo(2 * 24);
    for (int t = 0; t < 48; t++) {
      long expectedId = t < 24 ? 0 : t < 40 ? 1 : 2; // sample ids contiguous, in order
      assertThat(b.sampleIds().get(t)).isEqualTo(expectedId);
    }
    for (int s = 0; s < 48; s++) {
      assertThat(b.rows().get(s)).isEqualTo(s); // rows full: every slot a real token
    }
    // window "c" (sample 1) starts at token 24 with its own first patch value
    assertThat(b.patches().get(24 * 256)).isEqualTo(windows.get(2).value(0, 0));
    assertThat(b.timePos().get(24 + 8)).isEqualTo(1);
  }

  @Test
  void shouldMarkPaddingSlotsWithTheTokenCountAndReuseItsBuffers() {
    PackedBatchEncoder encoder = new PackedBatchEncoder(patchifier);
    List<SpectrogramWindow> windows = List.of(
        Windows.random("a", 0, 32, 10, 1), Windows.random("b", 1, 16, 10, 2));
    Call call = new Call(16, List.of(new Row(new int[] {0}, 16), new Row(new int[] {1}, 8)), 24);
    PackedBatch first = encoder.encode(windows, call);
    assertThat(first.rows().get(16 + 8)).isEqualTo(24);
    assertThat(first.rows().get(31)).isEqualTo(24);

    PackedBatch smaller = encoder.encode(windows.subList(1, 2),
        new Call(8, List.of(new Row(new int[] {0}, 8)), 8));
    assertThat(smaller.patches().isDirect()).isTrue();
    // same memory: the smaller call overwrote the first call's values in place
    assertThat(first.patches().get(0)).isEqualTo(windows.get(1).value(0, 0));
  }
}
