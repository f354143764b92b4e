package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.elasticast.featurizer.FeaturizerSettings.GapPolicy;
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
      List<SpectrogramWindow> out = new ArrayList<>();
      FeedState state = new FeedState();
      long seq = 0;
      for (int at = 0; at < audio.length; ) {
        int n = Math.min(audio.length - at, 1 + random.nextInt(maxChunk));
        // a fresh view per chunk, as the Flink function builds one per element
        new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(seq++,
            T0 + at * 1_000_000L / RATE, Arrays.copyOfRange(audio, at, at + n), out::add);
        at += n;
      }
      new FeedFeaturizer(FEED, settings, extractors, state).flush(out::add);
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
    for (String feed : List.of(FEED, "feed-b")) {
      FeedState state = new FeedState();
      new FeedFeaturizer(feed, settings, extractors, state).acceptChunk(0, T0, audio, out::add);
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
    FeaturizerSettings settings = settings(WindowPolicy.segment(0.32, 5.0, 10));
    FeedState state = new FeedState();
    List<SpectrogramWindow> out = new ArrayList<>();
    new FeedFeaturizer(FEED, settings, extractors, state)
        .acceptChunk(0, T0, AudioFixtures.tone(440, 1.0, RATE), out::add);
    assertThat(out).isEmpty();
    new FeedFeaturizer(FEED, settings, extractors, state).flush(out::add);
    assertThat(out).hasSize(1);
    assertThat(out.get(0).frames).isEqualTo(96);
    assertThat(state.scales[0].frameCount).isZero();
    assertThat(state.started).isFalse();
  }

  @Test
  void shouldDropAndCountDuplicatesAndReorderWithinTheBuffer() {
    float[] audio = AudioFixtures.noise(2.0, 0.1, 6);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.5, 0.25, 10));
    List<SpectrogramWindow> inOrder = run(settings, audio, 4_000);

    FeedState state = new FeedState();
    List<SpectrogramWindow> out = new ArrayList<>();
    for (int seq : new int[] {0, 2, 1, 1, 0, 3, 3, 5, 4, 6, 7}) {
      new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(seq,
          T0 + seq * 250_000L, Arrays.copyOfRange(audio, seq * 4_000, seq * 4_000 + 4_000), out::add);
    }
    new FeedFeaturizer(FEED, settings, extractors, state).flush(out::add);
    assertThat(out).isEqualTo(inOrder);
    assertThat(state.stats.duplicates).isEqualTo(3);
    assertThat(state.stats.gaps).isZero();
    assertThat(state.stats.chunks).isEqualTo(11);
  }

  @Test
  void shouldZeroFillAGapAndMarkTheWindowsOverIt() {
    float[] audio = AudioFixtures.noise(2.0, 0.1, 7);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.32, 0.16, 10))
        .withGapPolicy(GapPolicy.ZERO_FILL).withReorderCapacity(1);
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
        .withGapPolicy(GapPolicy.RESET).withReorderCapacity(0);
    FeedState state = new FeedState();
    List<SpectrogramWindow> out = new ArrayList<>();
    for (int seq : new int[] {0, 1, 3, 4, 5, 6, 7}) {
      new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(seq, T0 + seq * 250_000L,
          Arrays.copyOfRange(audio, seq * 4_000, seq * 4_000 + 4_000), out::add);
    }
    // chunk 2 turns up after its gap was declared: late, dropped, not a duplicate
    new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(2, T0 + 500_000L,
        Arrays.copyOfRange(audio, 8_000, 12_000), out::add);
    assertThat(state.stats.lateChunks).isEqualTo(1);
    assertThat(state.stats.duplicates).isZero();
    assertThat(state.stats.gaps).isEqualTo(1);
    assertThat(state.stats.resets).isEqualTo(1);
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
    // the same file ingested again under the same stream id: numbers from 0, later event times
    float[] audio = AudioFixtures.noise(2.0, 0.1, 9);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.5, 0.25, 10));
    List<SpectrogramWindow> once = run(settings, audio, 4_000);
    FeedState state = new FeedState();
    List<SpectrogramWindow> out = new ArrayList<>();
    long secondPass = T0 + 60_000_000L;
    for (long base : new long[] {T0, secondPass}) {
      for (int seq = 0; seq * 4_000 < audio.length; seq++) {
        FeedFeaturizer.Verdict v = new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(
            seq, base + seq * 250_000L, Arrays.copyOfRange(audio, seq * 4_000, seq * 4_000 + 4_000),
            out::add);
        assertThat(v).isEqualTo(base == secondPass && seq == 0
            ? FeedFeaturizer.Verdict.RESTARTED : FeedFeaturizer.Verdict.ACCEPTED);
      }
    }
    new FeedFeaturizer(FEED, settings, extractors, state).flush(out::add);
    assertThat(state.stats.restarts).isEqualTo(1);
    assertThat(state.stats.duplicates).isZero();
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
  void shouldStillDropARepeatThatCarriesItsOriginalTime() {
    float[] audio = AudioFixtures.noise(1.0, 0.1, 10);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.5, 0.25, 10));
    FeedState state = new FeedState();
    List<SpectrogramWindow> out = new ArrayList<>();
    for (int seq : new int[] {0, 1, 2, 3, 0, 2}) {
      new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(seq, T0 + seq * 250_000L,
          Arrays.copyOfRange(audio, seq * 4_000, seq * 4_000 + 4_000), out::add);
    }
    assertThat(state.stats.duplicates).isEqualTo(2);
    assertThat(state.stats.restarts).isZero();
  }

  @Test
  void shouldRefuseASequenceJumpItsEventTimeDoesNotAccountFor() {
    float[] audio = AudioFixtures.noise(2.0, 0.1, 11);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.5, 0.25, 10));
    List<SpectrogramWindow> clean = run(settings, audio, 4_000);
    FeedState state = new FeedState();
    List<SpectrogramWindow> out = new ArrayList<>();
    for (int seq = 0; seq * 4_000 < audio.length; seq++) {
      float[] samples = Arrays.copyOfRange(audio, seq * 4_000, seq * 4_000 + 4_000);
      if (seq == 3) {
        // a corrupt number, right in time: refused, and the feed does not wait for it
        assertThat(new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(
            Long.MAX_VALUE / 4, T0 + seq * 250_000L, samples, out::add))
            .isEqualTo(FeedFeaturizer.Verdict.IMPLAUSIBLE_SEQUENCE);
      }
      assertThat(new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(
          seq, T0 + seq * 250_000L, samples, out::add)).isEqualTo(FeedFeaturizer.Verdict.ACCEPTED);
    }
    new FeedFeaturizer(FEED, settings, extractors, state).flush(out::add);
    assertThat(out).isEqualTo(clean);
    assertThat(state.stats.rejectedSequences).isEqualTo(1);
  }

  @Test
  void shouldTakeALongGapThatEventTimeAccountsFor() {
    // a feed offline for 250 s jumps 1,000 chunks ahead, and its clock moved with it
    float[] audio = AudioFixtures.noise(0.5, 0.1, 12);
    FeaturizerSettings settings = settings(WindowPolicy.sliding(0.25, 0.25, 10)).withReorderCapacity(0);
    FeedState state = new FeedState();
    List<SpectrogramWindow> out = new ArrayList<>();
    new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(0, T0,
        Arrays.copyOfRange(audio, 0, 4_000), out::add);
    assertThat(new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(1_001,
        T0 + 1_001 * 250_000L, Arrays.copyOfRange(audio, 4_000, 8_000), out::add))
        .isEqualTo(FeedFeaturizer.Verdict.ACCEPTED);
    assertThat(state.stats.gaps).isEqualTo(1);
    assertThat(state.nextSequence).isEqualTo(1_002);
  }

  private List<SpectrogramWindow> feedSkipping(FeaturizerSettings settings, float[] audio, int skip) {
    FeedState state = new FeedState();
    List<SpectrogramWindow> out = new ArrayList<>();
    for (int seq = 0; seq * 4_000 < audio.length; seq++) {
      if (seq == skip) {
        continue;
      }
      new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(seq, T0 + seq * 250_000L,
          Arrays.copyOfRange(audio, seq * 4_000, seq * 4_000 + 4_000), out::add);
    }
    new FeedFeaturizer(FEED, settings, extractors, state).flush(out::add);
    assertThat(state.stats.gaps).isEqualTo(1);
    return out;
  }

  /** Feeds audio in equal chunks with contiguous sequence numbers and event times, then flushes. */
  private List<SpectrogramWindow> run(FeaturizerSettings settings, float[] audio, int chunk) {
    FeedState state = new FeedState();
    List<SpectrogramWindow> out = new ArrayList<>();
    long seq = 0;
    for (int at = 0; at < audio.length; at += chunk) {
      int n = Math.min(chunk, audio.length - at);
      new FeedFeaturizer(FEED, settings, extractors, state).acceptChunk(seq++,
          T0 + at * 1_000_000L / RATE, Arrays.copyOfRange(audio, at, at + n), out::add);
    }
    new FeedFeaturizer(FEED, settings, extractors, state).flush(out::add);
    return out;
  }

  static java.util.Map<String, List<SpectrogramWindow>> byPolicy(List<SpectrogramWindow> windows) {
    return windows.stream().collect(java.util.stream.Collectors.groupingBy(w -> w.policy));
  }

  static FeaturizerSettings settings(WindowPolicy... policies) {
    return FeaturizerSettings.defaults(List.of(policies)).withMelBins(BINS);
  }
}
