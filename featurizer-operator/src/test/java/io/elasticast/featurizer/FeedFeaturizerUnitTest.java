package io.elasticast.featurizer;

import io.elasticast.schemas.SpectrogramWindow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.featurizer.FeaturizerSettings.GapPolicy;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.OrderKind;
import io.elasticast.schemas.StreamOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeedFeaturizerUnitTest {

  static final String FEED = "feed-a";
  static final long T0 = 1_700_000_000_000_000L;
  static final int RATE = AudioFixtures.RATE;
  static final int BINS = 64;

  private final ExtractorCache extractors = new ExtractorCache(BINS);

  @Test
  void shouldCutSlidingWindowsOfWholePatchesWithEventTimes() {
    float[] audio = AudioFixtures.noise(3.0, 0.1, 1);
    List<SpectrogramWindow> windows = run(settings(WindowPolicy.sliding(1.0, 0.5, 10)), audio, 4_000);

    // 298 frames; 1 s = 100 frames -> 96; hop 50 frames: starts 0, 50, 100, 150, 200
    assertThat(windows).extracting(w -> w.frames).containsOnly(96);
    assertThat(windows).extracting(w -> w.sequenceNumber).containsExactly(0L, 1L, 2L, 3L, 4L);
    float[] offline = extractors.forShift(10).extract(audio);
    for (int i = 0; i < windows.size(); i++) {
      SpectrogramWindow w = windows.get(i);
      int startFrame = 50 * i;
      assertThat(w.startMicros).isEqualTo(T0 + startFrame * 10_000L);
      // last frame starts at (start + 95) * 160 samples and is 400 samples long
      assertThat(w.endMicros).isEqualTo(T0 + ((startFrame + 95) * 160L + 400) * 1_000_000L / RATE);
      assertThat(w.data).isEqualTo(Arrays.copyOfRange(offline, startFrame * BINS, (startFrame + 96) * BINS));
      assertThat(w.gapFilled).isFalse();
    }
  }

  @Test
  void shouldGiveTheSameWindowsForAnyChunking() {
    float[] audio = AudioFixtures.concat(AudioFixtures.noise(2.0, 0.1, 2), AudioFixtures.silence(1.0),
        AudioFixtures.tone(700, 1.5, RATE), AudioFixtures.silence(0.7));
    FeaturizerSettings settings = settings(WindowPolicy.sliding(1.0, 0.25, 10),
        WindowPolicy.sliding(2.0, 1.0, 25), WindowPolicy.segment(0.32, 2.0, 20));
    List<SpectrogramWindow> reference = run(settings, audio, audio.length);
    assertThat(reference).hasSizeGreaterThan(10);
    Random random = new Random(3);
    for (int trial = 0; trial < 8; trial++) {
      int maxChunk = trial % 2 == 0 ? 300 : 20_000;
      // a featurizer of its own and a copy of the cursor per chunk, as a Flink restore would give
      Feed feed = new Feed(settings);
      long seq = 0;
      for (int at = 0; at < audio.length; ) {
        int n = Math.min(audio.length - at, 1 + random.nextInt(maxChunk));
        feed = feed.restored();
        feed.chunk(seq++, T0 + at * 1_000_000L / RATE, Arrays.copyOfRange(audio, at, at + n), null);
        at += n;
      }
      feed.flush();
      List<SpectrogramWindow> out = feed.out;
      // policies interleave differently with chunking; each policy's own sequence is identical
      assertThat(byPolicy(out)).as("trial %d", trial).isEqualTo(byPolicy(reference));
    }
  }

  @Test
  void shouldMeasureEachWindowsLevelFromTheSamplesItCovers() {
    // 1 s of a 0.5-amplitude tone (mean square 0.125: -9.03 dBFS), then 1 s of digital silence
    float[] tone = new float[RATE];
    for (int i = 0; i < RATE; i++) {
      tone[i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * i / RATE));
    }
    float[] audio = AudioFixtures.concat(tone, AudioFixtures.silence(1.0));
    List<SpectrogramWindow> windows = run(settings(WindowPolicy.sliding(0.5, 0.5, 10)), audio, 1_600);

    // windows start every 0.5 s: two inside the tone, one across the edge, one silent
    assertThat(windows).hasSize(4);
    assertThat(windows.get(0).levelDbfs).isCloseTo(-9.03f, within(0.05f));
    assertThat(windows.get(1).levelDbfs).isCloseTo(-9.03f, within(0.05f));
    // 0.5 s starting at 1.0 s covers silence only (its 15 ms frame tail ends at 1.495 s)
    assertThat(windows.get(2).levelDbfs).isEqualTo((float) AudioLevel.FLOOR_DBFS);
    assertThat(windows.get(3).levelDbfs).isEqualTo((float) AudioLevel.FLOOR_DBFS);

    // a window half over the tone is 3 dB below it: starts at 0.75 s with a 0.5 s length
    List<SpectrogramWindow> shifted = run(settings(WindowPolicy.sliding(0.5, 0.25, 10)), audio, 700);
    SpectrogramWindow straddling = shifted.stream().filter(w -> w.startMicros - T0 == 750_000L)
        .findFirst().orElseThrow();
    double toneShare = (1_000_000.0 - 750_000) / (straddling.endMicros - straddling.startMicros);
    assertThat((double) straddling.levelDbfs)
        .isCloseTo(10 * Math.log10(0.125 * toneShare), within(0.1));
  }

  @Test
  void shouldSkipFramesBetweenWindowsWhenTheHopIsLongerThanTheWindow() {
    float[] audio = AudioFixtures.noise(5.0, 0.1, 9);
    List<SpectrogramWindow> windows = run(settings(WindowPolicy.sliding(0.5, 2.0, 20)), audio, 3_000);
    // 248 frames at 20 ms; 25 -> 16 frames per window, starts 0, 100, 200
    assertThat(windows).extracting(w -> w.startMicros - T0).containsExactly(0L, 2_000_000L, 4_000_000L);
    float[] offline = extractors.forShift(20).extract(audio);
    assertThat(windows.get(2).data).isEqualTo(Arrays.copyOfRange(offline, 200 * BINS, 216 * BINS));
  }

  @Test
  void shouldApplyAFeedsOwnPoliciesWhereConfigured() {
    FeaturizerSettings settings = settings(WindowPolicy.sliding(1.0, 0.5, 10))
        .withPerFeedPolicies(java.util.Map.of("feed-b", List.of(WindowPolicy.parse("sliding:2s/1s@40ms"))));
    float[] audio = AudioFixtures.noise(2.5, 0.1, 10);
    List<SpectrogramWindow> out = new ArrayList<>();
    for (String id : List.of(FEED, "feed-b")) {
      Feed feed = new Feed(id, settings);
      feed.chunk(0, T0, audio, null);
      out.addAll(feed.out);
    }
    assertThat(out).filteredOn(w -> w.streamId.equals(FEED)).extracting(w -> w.policy)
        .containsOnly("sliding-1s/0.5s@10ms");
    assertThat(out).filteredOn(w -> w.streamId.equals("feed-b")).extracting(w -> w.policy + " " + w.frames)
        .containsExactly("sliding-2s/1s@40ms 48");
  }

  @Test
  void shouldServeSeveralScalesFromTheSameSamples() {
    float[] audio = AudioFixtures.noise(10.5, 0.1, 4);
    List<SpectrogramWindow> windows = run(settings(WindowPolicy.multiScaleDefault()
        .toArray(WindowPolicy[]::new)), audio, 16_000);
    assertThat(windows).filteredOn(w -> w.frameShiftMs == 10).extracting(w -> w.frames)
        .containsOnly(96).hasSize(20);
    assertThat(windows).filteredOn(w -> w.frameShiftMs == 20).extracting(w -> w.frames)
        .containsOnly(192).hasSize(4);
    assertThat(windows).filteredOn(w -> w.frameShiftMs == 40).extracting(w -> w.frames)
        .containsOnly(240).hasSize(1);
    SpectrogramWindow longest = windows.stream().filter(w -> w.frameShiftMs == 40).findFirst().get();
    assertThat(longest.data).isEqualTo(Arrays.copyOf(extractors.forShift(40).extract(audio), 240 * BINS));
  }

  @Test
  void shouldCloseNativeSegmentsAtSilence() {
    float[] audio = AudioFixtures.concat(AudioFixtures.silence(0.5), AudioFixtures.tone(440, 1.2, RATE),
        AudioFixtures.silence(1.0), AudioFixtures.tone(2000, 0.4, RATE), AudioFixtures.silence(1.0));
    List<SpectrogramWindow> windows = run(settings(WindowPolicy.segment(0.32, 5.0, 10)), audio, 1_600);

    assertThat(windows).hasSize(2);
    SpectrogramWindow first = windows.get(0);
    SpectrogramWindow second = windows.get(1);
    // frames touching the tone onset at 0.5 s are active from frame ceil((8000 - 400) / 160) = 48
    assertThat(first.startMicros - T0).isBetween(470_000L, 500_000L);
    // 1.2 s of tone plus the frames overlapping its edges, rounded up to whole patches
    assertThat(first.frames).isEqualTo(128);
    assertThat(second.startMicros - T0).isBetween(2_670_000L, 2_700_000L);
    // 0.4 s = ~42 active frames -> 48
    assertThat(second.frames).isEqualTo(48);
  }

  @Test
  void shouldCutLongEventsAtTheMaximumLength() {
    float[] audio = AudioFixtures.noise(3.2, 0.1, 5);
    List<SpectrogramWindow> windows = run(settings(WindowPolicy.segment(0.5, 1.0, 10)), audio, 3_000);
    // 1 s -> 96 frames per segment, 318 frames -> three full segments and a 30-frame tail (16 kept)
    assertThat(windows).extracting(w -> w.frames).containsExactly(96, 96, 96, 16);
    assertThat(windows.get(1).startMicros - T0).isEqualTo(960_000L);
  }

  @Test
  void shouldEndTheOpenSegmentWhenFlushed() {
    Feed feed = new Feed(settings(WindowPolicy.segment(0.32, 5.0, 10)));
    feed.chunk(0, T0, AudioFixtures.tone(440, 1.0, RATE), null);
    assertThat(feed.out).isEmpty();
    assertThat(feed.frames.size()).as("the open segment's frames are kept").isPositive();
    feed.flush();
    assertThat(feed.out).hasSize(1);
    assertThat(feed.out.get(0).frames).isEqualTo(96);
    assertThat(feed.frames.size()).isZero();
    assertThat(feed.cursor.started).isFalse();
  }

  @Test
  void shouldKeepOnlyTheFramesItsPoliciesStillNeed() {
    // 1 s windows every 0.5 s need at most 1.5 s of frames: 150 frames, 10 blocks of 16 (+1 open)
    Feed feed = new Feed(settings(WindowPolicy.sliding(1.0, 0.5, 10)));
    float[] audio = AudioFixtures.noise(20.0, 0.1, 13);
    int most = 0;
    for (int seq = 0; seq * 1_600 < audio.length; seq++) {
      feed.chunk(seq, T0 + seq * 100_000L, Arrays.copyOfRange(audio, seq * 1_600, seq * 1_600 + 1_600), null);
      most = Math.max(most, feed.frames.size());
    }
    assertThat(feed.out).hasSize(39);
    assertThat(most).isBetween(5, 11);
  }

  @Test
  void shouldMeasureLevelsAsTheSamplesDoForAnyShift() {
    float[] audio = AudioFixtures.concat(AudioFixtures.noise(1.3, 0.3, 14), AudioFixtures.tone(300, 1.1, RATE),
        AudioFixtures.noise(1.7, 0.01, 15));
    for (int shift : new int[] {10, 25, 40}) {
      List<SpectrogramWindow> windows = run(settings(WindowPolicy.sliding(0.64, 0.3, shift)), audio, 1_234);
      assertThat(windows).hasSizeGreaterThan(5);
      for (SpectrogramWindow w : windows) {
        int from = (int) ((w.startMicros - T0) * RATE / 1_000_000L);
        int to = (int) Math.round((w.endMicros - T0) * RATE / 1e6);
        assertThat((double) w.levelDbfs).as("%s at %d ms", w, shift)
            .isCloseTo(AudioLevel.dbfs(audio, from, to), within(1e-3));
      }
    }
  }

  @Test
  void shouldDropAndCountAChunkItHasTakenBefore() {
    float[] audio = AudioFixtures.noise(2.0, 0.1, 6);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.5, 0.25, 10));
    List<SpectrogramWindow> inOrder = run(settings, audio, 4_000);

    // a replayed record: the normaliser's verdict is the original one, but the job has it already
    Feed feed = new Feed(settings);
    for (int seq : new int[] {0, 1, 1, 2, 0, 3, 4, 4, 5, 6, 7}) {
      assertThat(feed.chunk(seq, T0 + seq * 250_000L, quarter(audio, seq), continues(seq)))
          .isIn(RunSequencer.Step.CONTINUE, RunSequencer.Step.DUPLICATE);
    }
    feed.flush();
    assertThat(feed.out).isEqualTo(inOrder);
    assertThat(feed.cursor.stats.duplicates).isEqualTo(3);
    assertThat(feed.cursor.stats.gaps).isZero();
    assertThat(feed.cursor.stats.chunks).isEqualTo(8);
  }

  @Test
  void shouldZeroFillAGapAndMarkTheWindowsOverIt() {
    float[] audio = AudioFixtures.noise(2.0, 0.1, 7);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.32, 0.16, 10))
        .withGapPolicy(GapPolicy.ZERO_FILL);
    List<SpectrogramWindow> out = feedSkipping(settings, audio, 2);

    // chunk 2 (0.5..0.75 s) never arrives: the result equals the audio with that quarter silenced
    float[] holed = audio.clone();
    Arrays.fill(holed, 8_000, 12_000, 0f);
    List<SpectrogramWindow> expected = run(settings, holed, 4_000);
    assertThat(out).hasSameSizeAs(expected);
    for (int i = 0; i < out.size(); i++) {
      SpectrogramWindow w = out.get(i);
      assertThat(w.data).isEqualTo(expected.get(i).data);
      assertThat(w.startMicros).isEqualTo(expected.get(i).startMicros);
      boolean overlaps = w.startMicros < T0 + 750_000 && w.endMicros > T0 + 500_000;
      assertThat(w.gapFilled).as("window %s", w).isEqualTo(overlaps);
    }
    assertThat(out).anyMatch(w -> w.gapFilled);
  }

  @Test
  void shouldResetAtAGapWithoutSplicing() {
    float[] audio = AudioFixtures.noise(2.0, 0.1, 8);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.32, 0.16, 10))
        .withGapPolicy(GapPolicy.RESET);
    Feed feed = new Feed(settings);
    for (int seq : new int[] {0, 1, 3, 4, 5, 6, 7}) {
      feed.chunk(seq, T0 + seq * 250_000L, quarter(audio, seq), seq == 3
          ? NormalisedAudio.gap(1) : continues(seq));
    }
    assertThat(feed.cursor.stats.gaps).isEqualTo(1);
    assertThat(feed.cursor.stats.resets).isEqualTo(1);
    List<SpectrogramWindow> out = feed.out;
    // no window spans the missing quarter; windows after it restart at chunk 3's time
    assertThat(out).noneMatch(w -> w.startMicros < T0 + 750_000 && w.endMicros > T0 + 500_000);
    assertThat(out).noneMatch(w -> w.gapFilled);
    SpectrogramWindow firstAfter = out.stream().filter(w -> w.startMicros >= T0 + 750_000)
        .findFirst().get();
    assertThat(firstAfter.startMicros).isEqualTo(T0 + 750_000);
    float[] offlineAfter = extractors.forShift(10).extract(Arrays.copyOfRange(audio, 12_000, 32_000));
    assertThat(firstAfter.data).isEqualTo(Arrays.copyOf(offlineAfter, 32 * BINS));
    // sequence numbers keep counting across the reset
    assertThat(out).extracting(w -> w.sequenceNumber)
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, out.size()).boxed().toList());
  }

  @Test
  void shouldHearAFeedThatStartsOverAtOnce() {
    // the same file ingested again under the same stream id: the normaliser says RESTART
    float[] audio = AudioFixtures.noise(2.0, 0.1, 9);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.5, 0.25, 10));
    List<SpectrogramWindow> once = run(settings, audio, 4_000);
    Feed feed = new Feed(settings);
    long secondPass = T0 + 60_000_000L;
    for (long base : new long[] {T0, secondPass}) {
      for (int seq = 0; seq * 4_000 < audio.length; seq++) {
        StreamOrder order = seq > 0 ? continues(seq)
            : NormalisedAudio.order(base == T0 ? OrderKind.FIRST : OrderKind.RESTART);
        assertThat(feed.chunk(seq, base + seq * 250_000L, quarter(audio, seq), order))
            .isEqualTo(base == secondPass && seq == 0 ? RunSequencer.Step.NEW_RUN : RunSequencer.Step.CONTINUE);
      }
    }
    feed.flush();
    List<SpectrogramWindow> out = feed.out;
    assertThat(feed.cursor.stats.restarts).isEqualTo(1);
    assertThat(feed.cursor.stats.duplicates).isZero();
    assertThat(out).hasSize(2 * once.size());
    List<SpectrogramWindow> second = out.subList(once.size(), out.size());
    for (int i = 0; i < once.size(); i++) {
      assertThat(second.get(i).data).isEqualTo(once.get(i).data);
      assertThat(second.get(i).startMicros).isEqualTo(once.get(i).startMicros + 60_000_000L);
    }
    // window numbers keep counting, so the second pass's windows are new records, not repeats
    assertThat(out).extracting(w -> w.sequenceNumber).doesNotHaveDuplicates();
  }

  @Test
  void shouldStartANewRunWhenAChunkWithoutAVerdictDoesNotFollowOn() {
    float[] audio = AudioFixtures.noise(1.5, 0.1, 10);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.5, 0.25, 10));
    Feed feed = new Feed(settings);
    long later = T0 + 10_000_000L;
    // 0 1 2, the same file again 10 s later, a replay of its chunk 1, then a jump to 5
    long[][] chunks = {{0, T0}, {1, T0 + 250_000}, {2, T0 + 500_000}, {0, later}, {1, later + 250_000},
        {1, later + 250_000}, {2, later + 500_000}, {5, later + 1_250_000}};
    List<RunSequencer.Step> steps = new ArrayList<>();
    for (long[] c : chunks) {
      steps.add(feed.chunk(c[0], c[1], quarter(audio, (int) c[0] % 6), null));
    }
    assertThat(steps).containsExactly(RunSequencer.Step.CONTINUE, RunSequencer.Step.CONTINUE,
        RunSequencer.Step.CONTINUE, RunSequencer.Step.NEW_RUN, RunSequencer.Step.CONTINUE,
        RunSequencer.Step.DUPLICATE, RunSequencer.Step.CONTINUE, RunSequencer.Step.NEW_RUN);
    assertThat(feed.cursor.stats.restarts).isEqualTo(2);
    assertThat(feed.cursor.stats.duplicates).isEqualTo(1);
    // only whole runs of consecutive chunks make windows: 0.75 s twice (two windows each)
    assertThat(feed.out).hasSize(4);
  }

  @Test
  void shouldTreatNumbersSkippedUnderAContinuingVerdictAsAGap() {
    // the job refused chunk 1 itself (say its event time was out of bounds): the run has a hole
    float[] audio = AudioFixtures.noise(1.0, 0.1, 12);
    Feed feed = new Feed(settings(WindowPolicy.sliding(0.25, 0.25, 10)));
    feed.chunk(0, T0, quarter(audio, 0), NormalisedAudio.order(OrderKind.FIRST));
    assertThat(feed.chunk(2, T0 + 500_000L, quarter(audio, 2), continues(2)))
        .isEqualTo(RunSequencer.Step.GAP);
    assertThat(feed.cursor.stats.gaps).isEqualTo(1);
    assertThat(feed.cursor.stats.zeroFilledSamples).isEqualTo(4_000);
  }

  @Test
  void shouldStartAfreshWhenThePoliciesChange() {
    float[] audio = AudioFixtures.noise(1.0, 0.1, 16);
    Feed feed = new Feed(settings(WindowPolicy.segment(0.32, 5.0, 10)));
    feed.chunk(0, T0, audio, null);
    assertThat(feed.frames.size()).isPositive();
    // the job restarts with other policies over the same state
    Feed changed = new Feed(FEED, settings(WindowPolicy.sliding(0.5, 0.5, 20)), feed.cursor, feed.frames);
    changed.chunk(1, T0 + 1_000_000L, audio, null);
    assertThat(changed.out).extracting(w -> w.policy).containsOnly("sliding-0.5s/0.5s@20ms");
    assertThat(changed.out.get(0).startMicros).isEqualTo(T0 + 1_000_000L);
    changed.flush();
    assertThat(changed.frames.size()).as("no block of the old layout is left").isZero();
  }

  private List<SpectrogramWindow> feedSkipping(FeaturizerSettings settings, float[] audio, int skip) {
    Feed feed = new Feed(settings);
    for (int seq = 0; seq * 4_000 < audio.length; seq++) {
      if (seq != skip) {
        feed.chunk(seq, T0 + seq * 250_000L, quarter(audio, seq), seq == skip + 1
            ? NormalisedAudio.gap(1) : continues(seq));
      }
    }
    feed.flush();
    assertThat(feed.cursor.stats.gaps).isEqualTo(1);
    return feed.out;
  }

  private static float[] quarter(float[] audio, int seq) {
    return Arrays.copyOfRange(audio, seq * 4_000, seq * 4_000 + 4_000);
  }

  private static StreamOrder continues(long seq) {
    return NormalisedAudio.order(seq == 0 ? OrderKind.FIRST : OrderKind.CONTINUES);
  }

  /** Feeds audio in equal chunks with contiguous sequence numbers and event times, then flushes. */
  private List<SpectrogramWindow> run(FeaturizerSettings settings, float[] audio, int chunk) {
    Feed feed = new Feed(settings);
    long seq = 0;
    for (int at = 0; at < audio.length; at += chunk) {
      int n = Math.min(chunk, audio.length - at);
      feed.chunk(seq, T0 + at * 1_000_000L / RATE, Arrays.copyOfRange(audio, at, at + n), continues(seq));
      seq++;
    }
    feed.flush();
    assertThat(feed.frames.size()).as("a flushed feed keeps no frames").isZero();
    return feed.out;
  }

  /** One feed: its cursor, its frame blocks and the windows it emitted. */
  final class Feed {
    final String id;
    final FeaturizerSettings settings;
    final FeedFeaturizer featurizer;
    final FeedCursor cursor;
    final FrameStore.InMemory frames;
    final List<SpectrogramWindow> out = new ArrayList<>();

    Feed(FeaturizerSettings settings) {
      this(FEED, settings);
    }

    Feed(String id, FeaturizerSettings settings) {
      this(id, settings, new FeedCursor(), new FrameStore.InMemory());
    }

    Feed(String id, FeaturizerSettings settings, FeedCursor cursor, FrameStore.InMemory frames) {
      this.id = id;
      this.settings = settings;
      this.featurizer = new FeedFeaturizer(settings, settings.policiesFor(id), extractors);
      this.cursor = cursor;
      this.frames = frames;
    }

    RunSequencer.Step chunk(long seq, long startMicros, float[] samples, StreamOrder order) {
      return featurizer.accept(id, cursor, frames,
          new FeedChunk(id, seq, startMicros, order, samples), out::add);
    }

    void flush() {
      featurizer.flush(id, cursor, frames, out::add);
    }

    /** The same feed after a checkpoint and restore: a copied cursor and a new featurizer. */
    Feed restored() {
      Feed f = new Feed(id, settings, FlinkPojos.copy(cursor, FeedCursor.class), frames);
      f.out.addAll(out);
      return f;
    }
  }

  static java.util.Map<String, List<SpectrogramWindow>> byPolicy(List<SpectrogramWindow> windows) {
    return windows.stream().collect(java.util.stream.Collectors.groupingBy(w -> w.policy));
  }

  static FeaturizerSettings settings(WindowPolicy... policies) {
    return FeaturizerSettings.defaults(List.of(policies)).withMelBins(BINS);
  }
}
