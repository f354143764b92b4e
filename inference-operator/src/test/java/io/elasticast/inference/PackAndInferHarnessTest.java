package io.elasticast.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.schemas.ClassificationEvent;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class PackAndInferHarnessTest {

  private static final long T0 = 10_000;
  private static final long DELAY = 200;
  /** 1 s @10 ms = 98 frames = 6 time patches = 48 tokens; a budget of 4 such windows. */
  private static final int BUDGET = 4 * 48;

  private static InferenceSettings settings() {
    return TestModels.tinySettings()
        .withBatching(BUDGET, DELAY, 16);
  }

  private static OneInputStreamOperatorTestHarness<SpectrogramWindow, ClassificationEvent> harness(
      InferenceSettings settings) throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(new PackAndInferOperator(settings));
    h.setProcessingTime(T0);
    return h;
  }

  private static SpectrogramWindow oneSecond(String stream, long seq) {
    return Windows.seconds(stream, seq, 1.0, 10, seq * 31 + stream.hashCode());
  }

  private static List<String> ids(List<ClassificationEvent> events) {
    return events.stream().map(e -> e.getStreamId() + "@" + e.getWindowStartMicros())
        .collect(Collectors.toList());
  }

  @Test
  void shouldHoldWindowsUntilTheDeadlineWhenTheBudgetIsNotFull() throws Exception {
    try (var h = harness(settings())) {
      h.open();
      h.processElement(oneSecond("a", 0), 0);
      h.setProcessingTime(T0 + 50);
      h.processElement(oneSecond("b", 0), 0);
      assertThat(h.extractOutputValues()).isEmpty();

      h.setProcessingTime(T0 + DELAY - 1);
      assertThat(h.extractOutputValues()).isEmpty();
      h.setProcessingTime(T0 + DELAY);
      List<ClassificationEvent> out = h.extractOutputValues();
      assertThat(ids(out)).containsExactlyInAnyOrder("a@0", "b@0");
      assertThat(out).allSatisfy(e -> {
        assertThat(e.getPackStats().getWindowsInCall()).isEqualTo(2);
        assertThat(e.getTopK()).hasSize(TestModels.TOP_K);
        assertThat(e.getModelSha256()).isEqualTo(TestModels.tiny().sha256());
      });
      assertThat(out.get(0).getProcessingLatencyMicros()).isEqualTo(DELAY * 1000);
      assertThat(out.get(1).getProcessingLatencyMicros()).isEqualTo((DELAY - 50) * 1000);
      assertThat(h.getOneInputOperator()).extracting(o -> ((PackAndInferOperator) o).waitingWindows())
          .isEqualTo(0);
    }
  }

  @Test
  void shouldRunAsSoonAsTheTokenBudgetFills() throws Exception {
    try (var h = harness(settings())) {
      h.open();
      for (int i = 0; i < 3; i++) {
        h.processElement(oneSecond("s" + i, 0), 0);
      }
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement(oneSecond("s3", 0), 0); // 4 x 48 tokens = budget, no time passed
      assertThat(h.extractOutputValues()).hasSize(4)
          .allSatisfy(e -> assertThat(e.getPackStats().getTokensInCall()).isEqualTo(BUDGET));
    }
  }

  @Test
  void shouldRunABatchInsteadOfGrowingPastItsBound() throws Exception {
    try (var h = harness(settings().withBatching(100_000, 60_000, 3))) {
      h.open();
      for (int i = 0; i < 7; i++) {
        h.processElement(oneSecond("s", i), 0);
      }
      // every 3rd window fills the buffer: the operator runs those before taking more
      assertThat(h.extractOutputValues()).hasSize(6);
      h.endInput();
      assertThat(h.extractOutputValues()).hasSize(7);
    }
  }

  @Test
  void shouldEmitEveryWindowExactlyOnceAcrossASnapshotAndRestoreWithWindowsWaiting()
      throws Exception {
    List<SpectrogramWindow> input = List.of(oneSecond("a", 0), oneSecond("b", 0),
        oneSecond("a", 1), oneSecond("c", 0), oneSecond("b", 1), oneSecond("a", 2));

    // uninterrupted run
    List<ClassificationEvent> expected;
    try (var h = harness(settings())) {
      h.open();
      for (SpectrogramWindow w : input) {
        h.processElement(w, 0);
      }
      h.setProcessingTime(T0 + DELAY);
      expected = h.extractOutputValues();
    }
    assertThat(expected).hasSize(6);

    // checkpoint after 5 windows: 4 emitted (budget), 1 waiting, which the barrier drains
    OperatorSubtaskState snapshot;
    List<ClassificationEvent> beforeFailure;
    try (var h = harness(settings())) {
      h.open();
      for (SpectrogramWindow w : input.subList(0, 5)) {
        h.processElement(w, 0);
      }
      assertThat(((PackAndInferOperator) h.getOneInputOperator()).waitingWindows()).isEqualTo(1);
      h.prepareSnapshotPreBarrier(1);
      snapshot = h.snapshot(1, T0);
      beforeFailure = h.extractOutputValues();
      // lost in the failure: whatever happens after the checkpoint
      h.processElement(input.get(5), 0);
    }
    assertThat(beforeFailure).hasSize(5);
    assertThat(snapshot.getManagedOperatorState().stream()
        .flatMap(handle -> handle.getStateNameToPartitionOffsets().values().stream())
        .mapToInt(meta -> meta.getOffsets().length).sum())
        .as("windows in the checkpoint").isZero();

    List<ClassificationEvent> afterRestore;
    try (var h = harness(settings())) {
      h.initializeState(snapshot);
      h.open();
      assertThat(((PackAndInferOperator) h.getOneInputOperator()).waitingWindows()).isZero();
      h.processElement(input.get(5), 0); // the source replays what came after the checkpoint
      h.setProcessingTime(T0 + DELAY);
      afterRestore = h.extractOutputValues();
    }
    assertThat(afterRestore).hasSize(1);

    List<String> all = ids(beforeFailure);
    all.addAll(ids(afterRestore));
    assertThat(all).containsExactlyInAnyOrderElementsOf(ids(expected)).doesNotHaveDuplicates();
    // the window drained at the barrier is scored exactly as in the uninterrupted run
    ClassificationEvent drainedB1 = beforeFailure.stream()
        .filter(e -> e.getStreamId().equals("b") && e.getWindowStartMicros() > 0).findFirst()
        .orElseThrow();
    ClassificationEvent originalB1 = expected.stream()
        .filter(e -> e.getStreamId().equals("b") && e.getWindowStartMicros() > 0).findFirst()
        .orElseThrow();
    assertThat(drainedB1.getTopK().get(0).getLabel())
        .isEqualTo(originalB1.getTopK().get(0).getLabel());
    assertThat(drainedB1.getTopK().get(0).getScore())
        .isCloseTo(originalB1.getTopK().get(0).getScore(), offset(1e-5f));
  }

  @Test
  void shouldReportWindowsTheModelCannotTakeWithAReason() throws Exception {
    try (var h = harness(settings())) {
      h.open();
      h.processElement(Windows.random("a", 0, 0, 10, 1), 0); // no frames at all
      h.processElement(Windows.random("a", 1, 8, 10, 2), 0); // half a patch: padded, scored
      h.processElement(oneSecond("a", 2), 0);
      h.endInput();
      assertThat(h.extractOutputValues()).extracting(ClassificationEvent::getFrames)
          .containsExactlyInAnyOrder(8, Windows.framesFor(1.0, 10));
      List<StreamRecord<RejectedWindow>> rejected =
          List.copyOf(h.getSideOutput(PackAndInferOperator.REJECTED));
      assertThat(rejected).hasSize(1);
      assertThat(rejected.get(0).getValue().sequenceNumber).isZero();
      assertThat(rejected.get(0).getValue().reason).contains("no frames");
    }
  }

  @Test
  void shouldHoldTheWatermarkBehindWindowsStillWaiting() throws Exception {
    try (var h = harness(settings())) {
      h.open();
      SpectrogramWindow a = oneSecond("a", 3); // [3 s, 3.98 s): leaves with timestamp 3980
      long aMillis = a.endMicros / 1000;
      h.processElement(a, 3_000);
      h.processWatermark(60_000); // a backfill's watermark, far ahead of the waiting window
      assertThat(watermarks(h)).containsExactly(aMillis - 1);
      h.setProcessingTime(T0 + DELAY); // the batch runs: the event, then the rest of the watermark
      assertThat(h.getOutput()).last().isEqualTo(new Watermark(60_000));
      assertThat(h.extractOutputValues()).singleElement()
          .satisfies(e -> assertThat(e.getWindowEndMicros()).isEqualTo(a.endMicros));
      // with nothing waiting, watermarks pass straight through; at the end of input one more
      h.processWatermark(61_000);
      h.processElement(oneSecond("b", 70), 70_000);
      h.processWatermark(Long.MAX_VALUE);
      assertThat(watermarks(h)).containsExactly(aMillis - 1, 60_000L, 61_000L,
          oneSecond("b", 70).endMicros / 1000 - 1);
      h.endInput();
      assertThat(h.getOutput()).last().isEqualTo(Watermark.MAX_WATERMARK);
      for (Object o : h.getOutput()) {
        // no event is behind a watermark that came out before it
        if (o instanceof StreamRecord<?> r) {
          assertThat(r.getTimestamp()).isGreaterThan(lastWatermarkBefore(h, o));
        }
      }
    }
  }

  private static List<Long> watermarks(OneInputStreamOperatorTestHarness<?, ?> h) {
    return h.getOutput().stream().filter(o -> o instanceof Watermark)
        .map(o -> ((Watermark) o).getTimestamp()).collect(Collectors.toList());
  }

  private static long lastWatermarkBefore(OneInputStreamOperatorTestHarness<?, ?> h, Object record) {
    long last = Long.MIN_VALUE;
    for (Object o : h.getOutput()) {
      if (o == record) {
        return last;
      }
      if (o instanceof Watermark w) {
        last = w.getTimestamp();
      }
    }
    throw new AssertionError("not in the output: " + record);
  }
}
