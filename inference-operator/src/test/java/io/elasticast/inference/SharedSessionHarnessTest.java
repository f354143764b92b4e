package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.SpectrogramWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Two subtasks of a TaskManager (two operator instances in one JVM) run on one ONNX Runtime
 * session: opened by the first, counted for the second, closed by whichever closes last.
 */
class SharedSessionHarnessTest {

  private static final InferenceSettings SETTINGS =
      TestModels.tinySettings().withBatching(4 * 48, 200, 16);

  private static OneInputStreamOperatorTestHarness<SpectrogramWindow, ClassificationEvent> subtask()
      throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(new PackAndInferOperator(SETTINGS));
    h.setProcessingTime(0);
    return h;
  }

  private static SpectrogramWindow window(String stream, long seq) {
    return Windows.seconds(stream, seq, 1.0, 10, seq * 17 + stream.hashCode());
  }

  @Test
  void shouldShareOneSessionBetweenTwoSubtasksAndCloseItWithTheLastInEitherOrder() throws Exception {
    ModelConfig model = TestModels.tiny();
    for (boolean firstClosesFirst : new boolean[] {true, false}) {
      assertThat(OrtClassifier.sessionsOf(model)).isZero();
      var first = subtask();
      var second = subtask();
      first.open();
      assertThat(OrtClassifier.sessionsOf(model)).isEqualTo(1);
      assertThat(OrtClassifier.usersOf(model)).isEqualTo(1);
      second.open();
      assertThat(OrtClassifier.sessionsOf(model)).as("one session for both subtasks").isEqualTo(1);
      assertThat(OrtClassifier.usersOf(model)).isEqualTo(2);

      first.processElement(window("a", 0), 0);
      second.processElement(window("b", 0), 0);
      first.endInput();
      second.endInput();
      assertThat(first.extractOutputValues()).hasSize(1);
      assertThat(second.extractOutputValues()).hasSize(1);

      var closedFirst = firstClosesFirst ? first : second;
      var stillOpen = firstClosesFirst ? second : first;
      closedFirst.close();
      assertThat(OrtClassifier.sessionsOf(model)).as("the other subtask still uses it").isEqualTo(1);
      assertThat(OrtClassifier.usersOf(model)).isEqualTo(1);
      // the remaining subtask keeps scoring on the shared session, as it did before
      stillOpen.processElement(window("c", 1), 0);
      stillOpen.endInput();
      assertThat(stillOpen.extractOutputValues()).hasSize(2);
      stillOpen.close();
      assertThat(OrtClassifier.sessionsOf(model)).as("closed with its last user").isZero();
      assertThat(OrtClassifier.usersOf(model)).isZero();
    }
    // and opened again by the next user
    try (var again = subtask()) {
      again.open();
      assertThat(OrtClassifier.sessionsOf(model)).isEqualTo(1);
    }
    assertThat(OrtClassifier.sessionsOf(model)).isZero();
  }

  @Test
  void shouldScoreTheSameFromConcurrentSubtasksAsAlone() throws Exception {
    ModelConfig model = TestModels.tiny();
    List<SpectrogramWindow> windows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      windows.add(window("s" + i, i));
    }
    float[][] alone;
    try (WindowClassifier classifier = WindowClassifier.open(model, SETTINGS)) {
      alone = scores(classifier, windows);
    }
    try (WindowClassifier a = WindowClassifier.open(model, SETTINGS);
        WindowClassifier b = WindowClassifier.open(model, SETTINGS)) {
      assertThat(OrtClassifier.sessionsOf(model)).isEqualTo(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<float[][]>> runs = new ArrayList<>();
        for (int r = 0; r < 20; r++) {
          WindowClassifier c = r % 2 == 0 ? a : b;
          Callable<float[][]> run = () -> scores(c, windows);
          runs.add(pool.submit(run));
        }
        for (Future<float[][]> f : runs) {
          float[][] got = f.get();
          for (int i = 0; i < got.length; i++) {
            for (int k = 0; k < got[i].length; k++) {
              assertThat(got[i][k]).isCloseTo(alone[i][k], org.assertj.core.data.Offset.offset(1e-5f));
            }
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
    assertThat(OrtClassifier.sessionsOf(model)).isZero();
  }

  @Test
  void shouldRefuseToRunOnAClosedHandleWhileOthersStillDo() {
    ModelConfig model = TestModels.tiny();
    OrtClassifier one = TestModels.tinyRuntime();
    OrtClassifier two = TestModels.tinyRuntime();
    assertThat(one.sharesSessionWith(two)).isTrue();
    PackedBatchEncoder encoder = new PackedBatchEncoder(
        new Patchifier(model, Patchifier.FeatureScale.RAW_LOG_MEL));
    List<SpectrogramWindow> w = List.of(window("a", 0));
    PackPlanner.Call call = new PackPlanner.Call(48, List.of(new PackPlanner.Row(new int[] {0}, 48)), 48);
    one.close();
    one.close(); // twice: nothing more
    assertThat(OrtClassifier.usersOf(model)).isEqualTo(1);
    assertThatThrownBy(() -> one.run(encoder.encode(w, call))).hasMessageContaining("closed");
    assertThat(two.run(encoder.encode(w, call))).hasDimensions(1, model.numClasses());
    two.close();
    assertThat(OrtClassifier.sessionsOf(model)).isZero();
  }

  private static float[][] scores(WindowClassifier classifier, List<SpectrogramWindow> windows) {
    List<WindowClassifier.Scored> scored = classifier.classify(windows).scored();
    float[][] out = new float[scored.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = scored.get(i).logits();
    }
    return out;
  }
}
