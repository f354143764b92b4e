package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.OrderKind;
import io.elasticast.schemas.SpectrogramWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FbankWindowFunctionHarnessTest {

  static final int BINS = 64;
  static final FeaturizerSettings SETTINGS = FeaturizerSettings.defaults(List.of(
          WindowPolicy.sliding(1.0, 0.5, 10), WindowPolicy.sliding(2.0, 1.0, 25),
          WindowPolicy.segment(0.32, 3.0, 20)))
      .withMelBins(BINS);
  static final long IDLE_MILLIS = SETTINGS.idleTimeout().toMillis();
  static final long RETENTION_MILLIS = SETTINGS.retention().toMillis();

  static final float[] SPEECHY = AudioFixtures.concat(AudioFixtures.noise(1.3, 0.1, 11),
      AudioFixtures.silence(0.6), AudioFixtures.tone(900, 1.1, AudioFixtures.RATE),
      AudioFixtures.silence(0.5), AudioFixtures.noise(0.9, 0.05, 12));

  @Test
  void shouldProduceEachFeedsWindowsAndLeaveNoStateBehind() throws Exception {
    List<AudioChunk> a = ChunkFixtures.chunks("feed-a", SPEECHY, 1_600);
    List<AudioChunk> b = ChunkFixtures.chunks("feed-b", AudioFixtures.noise(3.0, 0.2, 13), 2_500);
    try (var harness = harness(SETTINGS)) {
      harness.open();
      for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
        if (i < a.size()) {
          process(harness, a.get(i));
        }
        if (i < b.size()) {
          process(harness, b.get(i));
        }
      }
      long lastMillis = ChunkFixtures.T0_MICROS / 1000 + 5_000;
      harness.processWatermark(lastMillis + IDLE_MILLIS);
      Map<String, List<SpectrogramWindow>> byFeed = harness.extractOutputValues().stream()
          .collect(Collectors.groupingBy(w -> w.streamId));
      assertThat(byFeed.get("feed-a")).isEqualTo(pure("feed-a", a));
      assertThat(byFeed.get("feed-b")).isEqualTo(pure("feed-b", b));
      // flushed (frames gone) but remembered: window numbers continue if the feed comes back
      assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
      assertThat(harness.numEventTimeTimers()).isEqualTo(2);
      harness.processWatermark(lastMillis + IDLE_MILLIS + RETENTION_MILLIS);
      harness.setProcessingTime(Long.MAX_VALUE);
      assertThat(harness.numKeyedStateEntries()).isZero();
      assertThat(harness.numEventTimeTimers()).isZero();
      assertThat(harness.numProcessingTimeTimers()).isZero();
    }
  }

  @Test
  void shouldKeepAFewFrameBlocksAndASmallCursorPerFeed() throws Exception {
    FeaturizerSettings oneSecond = FeaturizerSettings.defaults(
        List.of(WindowPolicy.sliding(1.0, 0.5, 10))).withMelBins(BINS);
    List<AudioChunk> chunks = ChunkFixtures.chunks("feed-a", AudioFixtures.noise(30.0, 0.1, 21), 1_600);
    for (String backend : List.of("hashmap", "rocksdb")) {
      try (var harness = harness(oneSecond, backend)) {
        harness.open();
        int most = 0;
        for (AudioChunk c : chunks) {
          process(harness, c);
          most = Math.max(most, frameBlocks(harness, "feed-a"));
        }
        // the blocks of the last 1.5 s at most: 10 of 16 frames, and the one being filled
        assertThat(most).as(backend).isBetween(5, 11);
        assertThat(harness.extractOutputValues()).hasSize(59);
      }
    }
    FeedCursor cursor = new FeedCursor();
    FrameStore.InMemory frames = new FrameStore.InMemory();
    FeedFeaturizer featurizer = new FeedFeaturizer(oneSecond, oneSecond.policies(), new ExtractorCache(BINS));
    for (AudioChunk c : chunks) {
      featurizer.accept("feed-a", cursor, frames, ChunkFixtures.admitted(c), w -> { });
    }
    // under one frame of samples carried over, positions and counters: no frames, no growth
    assertThat(FlinkPojos.serializedBytes(cursor, FeedCursor.class)).isLessThan(2_500);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"hashmap", "rocksdb"})
  void shouldGiveIdenticalOutputAfterSnapshotAndRestoreMidWindow(String backend) throws Exception {
    List<AudioChunk> chunks = ChunkFixtures.chunks("feed-a", SPEECHY, 1_000);
    List<SpectrogramWindow> uninterrupted;
    try (var harness = harness(SETTINGS, backend)) {
      harness.open();
      for (AudioChunk c : chunks) {
        process(harness, c);
      }
      harness.processWatermark(Long.MAX_VALUE);
      uninterrupted = harness.extractOutputValues();
    }
    assertThat(uninterrupted).hasSizeGreaterThan(8);
    assertThat(uninterrupted).isEqualTo(pure("feed-a", chunks));

    // cut at 1.7 s (27 chunks of 62.5 ms): inside a sliding window and inside an open segment
    int cut = 27;
    OperatorSubtaskState snapshot;
    List<SpectrogramWindow> resumed = new ArrayList<>();
    try (var harness = harness(SETTINGS, backend)) {
      harness.open();
      for (AudioChunk c : chunks.subList(0, cut)) {
        process(harness, c);
      }
      snapshot = harness.snapshot(1L, 1L);
      resumed.addAll(harness.extractOutputValues());
      // chunks after the snapshot are lost with this instance, as in a crash
      process(harness, chunks.get(cut));
    }
    try (var harness = harness(SETTINGS, backend)) {
      harness.initializeState(snapshot);
      harness.open();
      for (AudioChunk c : chunks.subList(cut, chunks.size())) {
        process(harness, c);
      }
      harness.processWatermark(Long.MAX_VALUE);
      resumed.addAll(harness.extractOutputValues());
    }
    assertThat(resumed).isEqualTo(uninterrupted);
  }

  @Test
  void shouldFlushTheOpenSegmentWhenTheFeedGoesIdle() throws Exception {
    FeaturizerSettings segmentsOnly = FeaturizerSettings.defaults(
        List.of(WindowPolicy.segment(0.32, 5.0, 10))).withMelBins(BINS);
    List<AudioChunk> chunks = ChunkFixtures.chunks("feed-a", AudioFixtures.tone(440, 1.0, 16_000), 4_000);
    try (var harness = harness(segmentsOnly)) {
      harness.open();
      for (AudioChunk c : chunks) {
        process(harness, c);
      }
      // a replayed early chunk is a duplicate: it must not move the flush earlier
      process(harness, chunks.get(0));
      long endMillis = ChunkFixtures.T0_MICROS / 1000 + 1_000;
      harness.processWatermark(endMillis + IDLE_MILLIS - 1);
      assertThat(harness.extractOutputValues()).isEmpty();
      harness.processWatermark(endMillis + IDLE_MILLIS);
      assertThat(harness.extractOutputValues()).singleElement()
          .satisfies(w -> assertThat(w.frames).isEqualTo(96));
    }
  }

  @Test
  void shouldFlushByTheClockWhenEveryFeedHasStopped() throws Exception {
    FeaturizerSettings segmentsOnly = FeaturizerSettings.defaults(
        List.of(WindowPolicy.segment(0.32, 5.0, 10))).withMelBins(BINS);
    List<AudioChunk> a = ChunkFixtures.chunks("feed-a", AudioFixtures.tone(440, 1.0, 16_000), 4_000);
    List<AudioChunk> b = ChunkFixtures.chunks("feed-b", AudioFixtures.tone(660, 1.0, 16_000), 4_000);
    try (var harness = harness(segmentsOnly)) {
      harness.open();
      harness.setProcessingTime(1_000);
      for (int i = 0; i < a.size(); i++) {
        process(harness, a.get(i));
        process(harness, b.get(i));
      }
      // the input stops: no chunk and no watermark any more; the clock alone moves on
      long stopped = segmentsOnly.stoppedInputFlush().toMillis();
      harness.setProcessingTime(1_000 + stopped - 1);
      assertThat(harness.extractOutputValues()).isEmpty();
      harness.setProcessingTime(1_000 + stopped);
      assertThat(harness.extractOutputValues()).extracting(w -> w.streamId + " " + w.frames)
          .containsExactlyInAnyOrder("feed-a 96", "feed-b 96");
    }
  }

  @Test
  void shouldLeaveAStoppedFeedToTheWatermarkWhileOthersStillSend() throws Exception {
    FeaturizerSettings segmentsOnly = FeaturizerSettings.defaults(
        List.of(WindowPolicy.segment(0.32, 5.0, 10))).withMelBins(BINS);
    List<AudioChunk> a = ChunkFixtures.chunks("feed-a", AudioFixtures.tone(440, 1.0, 16_000), 4_000);
    List<AudioChunk> b = ChunkFixtures.chunks("feed-b", AudioFixtures.noise(20.0, 0.1, 22), 4_000);
    try (var harness = harness(segmentsOnly)) {
      harness.open();
      // one chunk of each every 5 s of processing time: feed-a stops after 4, feed-b goes on
      long now = 1_000;
      for (int i = 0; i < b.size(); i++) {
        harness.setProcessingTime(now);
        if (i < a.size()) {
          process(harness, a.get(i));
        }
        process(harness, b.get(i));
        now += 5_000;
      }
      assertThat(now - 5_000 - 1_000).isGreaterThan(segmentsOnly.stoppedInputFlush().toMillis());
      // feed-a stopped long ago by the clock, but feed-b kept arriving: no clock flush; and with
      // no watermark yet, feed-a's open segment is still open
      assertThat(harness.extractOutputValues()).noneMatch(w -> w.streamId.equals("feed-a"));
      harness.processWatermark(ChunkFixtures.T0_MICROS / 1000 + 1_000 + IDLE_MILLIS);
      assertThat(harness.extractOutputValues()).filteredOn(w -> w.streamId.equals("feed-a"))
          .singleElement().satisfies(w -> assertThat(w.frames).isEqualTo(96));
    }
  }

  @Test
  void shouldEmitWindowsAgainAtOnceWhenTheSameFileIsIngestedTwice() throws Exception {
    List<AudioChunk> first = ChunkFixtures.chunks("feed-a", SPEECHY, 1_600);
    long shift = 120_000_000L;
    // the normaliser marks the second pass's first chunk RESTART
    List<AudioChunk> again = ChunkFixtures.chunks("feed-a", SPEECHY, 1_600,
        ChunkFixtures.T0_MICROS + shift, OrderKind.RESTART);
    List<SpectrogramWindow> once = pure("feed-a", first);
    try (var harness = harness(SETTINGS)) {
      harness.open();
      for (AudioChunk c : first) {
        process(harness, c);
      }
      int afterFirst = harness.extractOutputValues().size();
      // within one window of the second pass's start, windows flow again
      for (AudioChunk c : again.subList(0, 11)) {
        process(harness, c);
      }
      assertThat(harness.extractOutputValues().size()).isGreaterThan(afterFirst + 1);
      for (AudioChunk c : again.subList(11, again.size())) {
        process(harness, c);
      }
      harness.processWatermark(Long.MAX_VALUE);
      List<SpectrogramWindow> all = harness.extractOutputValues();
      assertThat(all).hasSize(2 * once.size());
      assertThat(all.subList(once.size(), all.size())).extracting(w -> w.startMicros)
          .containsExactlyElementsOf(once.stream().map(w -> w.startMicros + shift).toList());
    }
  }

  @Test
  void shouldDeadLetterAChunkWhoseNumberJumpsFurtherThanItsTimeAndGoOnAsIfItNeverCame()
      throws Exception {
    List<AudioChunk> chunks = ChunkFixtures.chunks("feed-a", SPEECHY, 1_600);
    AudioChunk corrupt = AudioChunk.newBuilder(chunks.get(5)).setSequenceNumber(1L << 40).build();
    try (var harness = harness(SETTINGS)) {
      harness.open();
      for (int i = 0; i < chunks.size(); i++) {
        process(harness, chunks.get(i));
        if (i == 4) {
          FeedChunk bad = ChunkFixtures.admitted(corrupt);
          bad.sourceTopic = "audio.normalised";
          bad.sourcePartition = 1;
          bad.sourceOffset = 77;
          harness.processElement(bad, ChunkFixtures.millis(bad));
        }
      }
      harness.processWatermark(Long.MAX_VALUE);
      assertThat(harness.extractOutputValues()).isEqualTo(pure("feed-a", chunks));
      var refused = List.copyOf(harness.getSideOutput(FbankWindowFunction.REJECTED));
      assertThat(refused).hasSize(1);
      var letter = refused.get(0).getValue();
      assertThat(letter.getReason()).isEqualTo(io.elasticast.schemas.DeadLetterReason.BAD_SEQUENCE);
      assertThat(letter.getSourceTopic() + "/" + letter.getSourcePartition() + "/"
          + letter.getSourceOffset()).isEqualTo("audio.normalised/1/77");
      assertThat(letter.getMessage()).contains(Long.toString(1L << 40));
    }
  }

  @Test
  void shouldKeepItsStateAsFlinkPojos() {
    for (Class<?> type : List.of(FeedCursor.class, FeedCursor.ScaleCursor.class,
        FeedCursor.PolicyCursor.class, FeedCursor.FeedStats.class, FeedChunk.class, StreamingFbank.State.class, SpectrogramWindow.class)) {
      FlinkPojos.assertPojo(type);
    }
  }

  /** What the pure featurizer gives for the same chunks, flushed at the end. */
  static List<SpectrogramWindow> pure(String feed, List<AudioChunk> chunks) {
    FeedCursor cursor = new FeedCursor();
    FrameStore frames = new FrameStore.InMemory();
    FeedFeaturizer featurizer = new FeedFeaturizer(SETTINGS, SETTINGS.policiesFor(feed),
        new ExtractorCache(BINS));
    List<SpectrogramWindow> out = new ArrayList<>();
    for (AudioChunk c : chunks) {
      featurizer.accept(feed, cursor, frames, ChunkFixtures.admitted(c), out::add);
    }
    featurizer.flush(feed, cursor, frames, out::add);
    return out;
  }

  /** How many frame blocks the feed holds now. */
  static int frameBlocks(KeyedOneInputStreamOperatorTestHarness<String, FeedChunk, SpectrogramWindow> harness,
      String feed) throws Exception {
    @SuppressWarnings("unchecked")
    KeyedStateBackend<Object> backend = harness.getOperator().getKeyedStateBackend();
    backend.setCurrentKey(feed);
    MapState<Long, FrameBlock> blocks = backend.getPartitionedState(VoidNamespace.INSTANCE,
        VoidNamespaceSerializer.INSTANCE, new MapStateDescriptor<>(FbankWindowFunction.FRAMES_STATE,
            LongSerializer.INSTANCE, FrameBlockSerializer.INSTANCE));
    int n = 0;
    for (Long ignored : blocks.keys()) {
      n++;
    }
    return n;
  }

  static void process(KeyedOneInputStreamOperatorTestHarness<String, FeedChunk, SpectrogramWindow> harness,
      AudioChunk chunk) throws Exception {
    FeedChunk admitted = ChunkFixtures.admitted(chunk);
    harness.processElement(admitted, ChunkFixtures.millis(admitted));
  }

  static KeyedOneInputStreamOperatorTestHarness<String, FeedChunk, SpectrogramWindow> harness(
      FeaturizerSettings settings) throws Exception {
    return harness(settings, "hashmap");
  }

  static KeyedOneInputStreamOperatorTestHarness<String, FeedChunk, SpectrogramWindow> harness(
      FeaturizerSettings settings, String backend) throws Exception {
    var harness = new KeyedOneInputStreamOperatorTestHarness<String, FeedChunk, SpectrogramWindow>(
        new KeyedProcessOperator<>(new FbankWindowFunction(settings)), c -> c.streamId, Types.STRING);
    StateBackend stateBackend = backend.equals("rocksdb") ? new EmbeddedRocksDBStateBackend(true)
        : new HashMapStateBackend();
    harness.setStateBackend(stateBackend);
    return harness;
  }
}
