package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

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
          harness.processElement(SourcedChunk.of(a.get(i)), ChunkFixtures.millis(a.get(i)));
        }
        if (i < b.size()) {
          harness.processElement(SourcedChunk.of(b.get(i)), ChunkFixtures.millis(b.get(i)));
        }
      }
      long lastMillis = ChunkFixtures.T0_MICROS / 1000 + 5_000;
      harness.processWatermark(lastMillis + IDLE_MILLIS);
      Map<String, List<SpectrogramWindow>> byFeed = harness.extractOutputValues().stream()
          .collect(Collectors.groupingBy(w -> w.streamId));
      assertThat(byFeed.get("feed-a")).isEqualTo(pure("feed-a", a));
      assertThat(byFeed.get("feed-b")).isEqualTo(pure("feed-b", b));
      // flushed but remembered (sequence numbers continue if the feed comes back)
      assertThat(harness.numEventTimeTimers()).isEqualTo(2);
      harness.processWatermark(lastMillis + IDLE_MILLIS + RETENTION_MILLIS);
      assertThat(harness.numKeyedStateEntries()).isZero();
      assertThat(harness.numEventTimeTimers()).isZero();
    }
  }

  @Test
  void shouldGiveIdenticalOutputAfterSnapshotAndRestoreMidWindow() throws Exception {
    List<AudioChunk> chunks = ChunkFixtures.chunks("feed-a", SPEECHY, 1_000);
    List<SpectrogramWindow> uninterrupted;
    try (var harness = harness(SETTINGS)) {
      harness.open();
      for (AudioChunk c : chunks) {
        harness.processElement(SourcedChunk.of(c), ChunkFixtures.millis(c));
      }
      harness.processWatermark(Long.MAX_VALUE);
      uninterrupted = harness.extractOutputValues();
    }
    assertThat(uninterrupted).hasSizeGreaterThan(8);

    // cut at 1.7 s (37 chunks of 62.5 ms): inside a sliding window and inside an open segment
    int cut = 27;
    OperatorSubtaskState snapshot;
    List<SpectrogramWindow> resumed = new ArrayList<>();
    try (var harness = harness(SETTINGS)) {
      harness.open();
      for (AudioChunk c : chunks.subList(0, cut)) {
        harness.processElement(SourcedChunk.of(c), ChunkFixtures.millis(c));
      }
      snapshot = harness.snapshot(1L, 1L);
      resumed.addAll(harness.extractOutputValues());
      // chunks after the snapshot are lost with this instance, as in a crash
      harness.processElement(SourcedChunk.of(chunks.get(cut)), ChunkFixtures.millis(chunks.get(cut)));
    }
    try (var harness = harness(SETTINGS)) {
      harness.initializeState(snapshot);
      harness.open();
      for (AudioChunk c : chunks.subList(cut, chunks.size())) {
        harness.processElement(SourcedChunk.of(c), ChunkFixtures.millis(c));
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
        harness.processElement(SourcedChunk.of(c), ChunkFixtures.millis(c));
      }
      // a replayed early chunk must not move the flush earlier
      harness.processElement(SourcedChunk.of(chunks.get(0)), ChunkFixtures.millis(chunks.get(0)));
      long endMillis = ChunkFixtures.T0_MICROS / 1000 + 1_000;
      harness.processWatermark(endMillis + IDLE_MILLIS - 1);
      assertThat(harness.extractOutputValues()).isEmpty();
      harness.processWatermark(endMillis + IDLE_MILLIS);
      assertThat(harness.extractOutputValues()).singleElement()
          .satisfies(w -> assertThat(w.frames).isEqualTo(96));
    }
  }

  @Test
  void shouldSideOutputChunksThatAreNotNormalised() throws Exception {
    AudioChunk good = ChunkFixtures.chunks("feed-a", AudioFixtures.noise(0.1, 0.1, 14), 1_600).get(0);
    AudioChunk stereo = ChunkFixtures.withPayload(good, 16_000, 2, SampleEncoding.FLOAT32LE, good.getPayload());
    AudioChunk pcm = ChunkFixtures.withPayload(good, 16_000, 1, SampleEncoding.PCM_S16LE, good.getPayload());
    AudioChunk rate = ChunkFixtures.withPayload(good, 44_100, 1, SampleEncoding.FLOAT32LE, good.getPayload());
    AudioChunk ragged = ChunkFixtures.withPayload(good, 16_000, 1, SampleEncoding.FLOAT32LE, ByteBuffer.allocate(7));
    AudioChunk nan = ChunkFixtures.chunk("feed-a", 0, good.getEventTimeStartMicros(), new float[] {0f, Float.NaN});
    try (var harness = harness(SETTINGS)) {
      harness.open();
      for (AudioChunk c : List.of(stereo, pcm, rate, ragged, nan)) {
        harness.processElement(SourcedChunk.of(c), ChunkFixtures.millis(c));
      }
      assertThat(harness.getSideOutput(FbankWindowFunction.REJECTED)).extracting(StreamRecord::getValue)
          .extracting(DeadLetter::getReason).containsExactly(DeadLetterReason.BAD_CHANNELS,
              DeadLetterReason.UNKNOWN_ENCODING, DeadLetterReason.BAD_SAMPLE_RATE,
              DeadLetterReason.PARTIAL_FRAME, DeadLetterReason.NON_FINITE_SAMPLES);
      assertThat(harness.getSideOutput(FbankWindowFunction.REJECTED)).extracting(StreamRecord::getValue)
          .allSatisfy(d -> assertThat(d.getMessage()).contains("feed-a"));
      assertThat(harness.numKeyedStateEntries()).isZero();
    }
  }

  @Test
  void shouldDeadLetterAnImplausibleSequenceNumberWithItsSourceAndKeepTheFeedGoing() throws Exception {
    List<AudioChunk> chunks = ChunkFixtures.chunks("feed-a", AudioFixtures.noise(2.0, 0.1, 15), 1_600);
    List<SpectrogramWindow> clean = pure("feed-a", chunks);
    AudioChunk corrupt = ChunkFixtures.chunk("feed-a", 1L << 40,
        chunks.get(5).getEventTimeStartMicros(), new float[1_600]);
    try (var harness = harness(SETTINGS)) {
      harness.open();
      for (int i = 0; i < chunks.size(); i++) {
        if (i == 5) {
          SourcedChunk bad = SourcedChunk.of(corrupt);
          bad.topic = "audio.normalised";
          bad.partition = 3;
          bad.offset = 42;
          harness.processElement(bad, ChunkFixtures.millis(corrupt));
        }
        harness.processElement(SourcedChunk.of(chunks.get(i)), ChunkFixtures.millis(chunks.get(i)));
      }
      harness.processWatermark(Long.MAX_VALUE);
      assertThat(harness.getSideOutput(FbankWindowFunction.REJECTED)).extracting(StreamRecord::getValue)
          .singleElement().satisfies(d -> {
            assertThat(d.getReason()).isEqualTo(DeadLetterReason.BAD_SEQUENCE);
            assertThat(d.getSourceTopic()).isEqualTo("audio.normalised");
            assertThat(d.getSourcePartition()).isEqualTo(3);
            assertThat(d.getSourceOffset()).isEqualTo(42L);
          });
      assertThat(harness.extractOutputValues()).isEqualTo(clean);
    }
  }

  @Test
  void shouldEmitWindowsAgainAtOnceWhenTheSameFileIsIngestedTwice() throws Exception {
    List<AudioChunk> first = ChunkFixtures.chunks("feed-a", SPEECHY, 1_600);
    long shift = 120_000_000L;
    List<AudioChunk> again = first.stream().map(c -> ChunkFixtures.chunk("feed-a",
        c.getSequenceNumber(), c.getEventTimeStartMicros() + shift,
        ChunkValidator.decode(c).samples())).toList();
    List<SpectrogramWindow> once = pure("feed-a", first);
    try (var harness = harness(SETTINGS)) {
      harness.open();
      for (AudioChunk c : first) {
        harness.processElement(SourcedChunk.of(c), ChunkFixtures.millis(c));
      }
      int afterFirst = harness.extractOutputValues().size();
      // within one window of the second pass's start, windows flow again
      for (AudioChunk c : again.subList(0, 11)) {
        harness.processElement(SourcedChunk.of(c), ChunkFixtures.millis(c));
      }
      assertThat(harness.extractOutputValues().size()).isGreaterThan(afterFirst + 1);
      for (AudioChunk c : again.subList(11, again.size())) {
        harness.processElement(SourcedChunk.of(c), ChunkFixtures.millis(c));
      }
      harness.processWatermark(Long.MAX_VALUE);
      List<SpectrogramWindow> all = harness.extractOutputValues();
      assertThat(all).hasSize(2 * once.size());
      assertThat(all.subList(once.size(), all.size())).extracting(w -> w.startMicros)
          .containsExactlyElementsOf(once.stream().map(w -> w.startMicros + shift).toList());
      assertThat(harness.getSideOutput(FbankWindowFunction.REJECTED)).isNullOrEmpty();
    }
  }

  @Test
  void shouldKeepFeedStateAsAFlinkPojo() {
    for (Class<?> type : List.of(FeedState.class, FeedState.ScaleState.class,
        FeedState.PolicyState.class, FeedState.PendingChunk.class, FeedState.FeedStats.class,
        StreamingFbank.State.class, SpectrogramWindow.class)) {
      assertThat(TypeInformation.of(type)).as(type.getName()).isInstanceOf(PojoTypeInfo.class);
    }
  }

  /** What the pure featurizer gives for the same chunks, flushed at the end. */
  static List<SpectrogramWindow> pure(String feed, List<AudioChunk> chunks) {
    FeedState state = new FeedState();
    ExtractorCache extractors = new ExtractorCache(BINS);
    List<SpectrogramWindow> out = new ArrayList<>();
    for (AudioChunk c : chunks) {
      new FeedFeaturizer(feed, SETTINGS, extractors, state).acceptChunk(c.getSequenceNumber(),
          c.getEventTimeStartMicros(), ChunkValidator.decode(c).samples(), out::add);
    }
    new FeedFeaturizer(feed, SETTINGS, extractors, state).flush(out::add);
    return out;
  }

  static KeyedOneInputStreamOperatorTestHarness<String, SourcedChunk, SpectrogramWindow> harness(
      FeaturizerSettings settings) throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new FbankWindowFunction(settings)), SourcedChunk::streamId,
        Types.STRING);
  }

}
