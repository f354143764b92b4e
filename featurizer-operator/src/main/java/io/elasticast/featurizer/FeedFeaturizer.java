package io.elasticast.featurizer;

import io.elasticast.featurizer.FeaturizerSettings.GapPolicy;
import io.elasticast.featurizer.FeedCursor.PolicyCursor;
import io.elasticast.featurizer.FeedCursor.ScaleCursor;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.SpectrogramWindow;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * One feed's chunks → {@link SpectrogramWindow}s, with no Flink in sight. It runs one
 * {@link StreamingFbank} per frame shift over the feed's samples, keeps the frames its policies
 * still need in a {@link FrameRing} per shift, and cuts windows with a {@link SlidingCutter} or a
 * {@link SegmentDetector} per policy; {@link RunSequencer} says what each chunk does to the run.
 *
 * <p>All of a feed's memory is its {@link FeedCursor} and its {@link FrameStore}, both passed in
 * per call, so one instance serves every feed with the same policies of an operator instance and
 * allocates no per-chunk objects beyond the windows it emits. Not thread-safe.
 */
public final class FeedFeaturizer {

  private final FeaturizerSettings settings;
  private final List<WindowPolicy> policies;
  private final int bins;
  private final int[] shifts;
  private final int[] scaleOfPolicy;
  private final StreamingFbank[] streams;
  private final FrameRing[] rings;
  /** Per scale, the log energy of each frame appended by the current feed() step. */
  private final float[][] newFrameEnergy;
  private final long[] newFrameFrom;
  private final int[] newFrameCount;
  /** prefix[k]: the run's energy before sample (stepStart + k) of the current feed() step. */
  private double[] prefix = new double[0];
  private final float[] zeros = new float[NormalisedAudio.SAMPLE_RATE / 10];

  // the feed of the current call
  private String streamId;
  private FeedCursor cursor;

  public FeedFeaturizer(FeaturizerSettings settings, List<WindowPolicy> policies,
      ExtractorCache extractors) {
    if (extractors.numMelBins() != settings.numMelBins()) {
      throw new IllegalArgumentException("extractor cache has " + extractors.numMelBins()
          + " mel bins, settings " + settings.numMelBins());
    }
    this.settings = settings;
    this.policies = List.copyOf(policies);
    this.bins = settings.numMelBins();
    this.shifts = policies.stream().mapToInt(WindowPolicy::frameShiftMs).distinct().sorted().toArray();
    if (shifts.length > FrameStore.MAX_SCALES) {
      throw new IllegalArgumentException("at most " + FrameStore.MAX_SCALES
          + " distinct frame shifts per feed, got " + shifts.length);
    }
    this.scaleOfPolicy = new int[policies.size()];
    for (int p = 0; p < policies.size(); p++) {
      scaleOfPolicy[p] = Arrays.binarySearch(shifts, policies.get(p).frameShiftMs());
    }
    this.streams = new StreamingFbank[shifts.length];
    this.rings = new FrameRing[shifts.length];
    this.newFrameEnergy = new float[shifts.length][];
    this.newFrameFrom = new long[shifts.length];
    this.newFrameCount = new int[shifts.length];
    for (int s = 0; s < shifts.length; s++) {
      streams[s] = new StreamingFbank(extractors.forShift(shifts[s]));
      rings[s] = new FrameRing(s, bins);
      newFrameEnergy[s] = new float[64];
    }
  }

  public List<WindowPolicy> policies() {
    return policies;
  }

  /** Takes one chunk of {@code streamId}; emits every window it completes; returns what it did. */
  public RunSequencer.Step accept(String streamId, FeedCursor cursor, FrameStore frames,
      FeedChunk chunk, Consumer<SpectrogramWindow> out) {
    RunSequencer.Step step = RunSequencer.step(cursor.lastSequence, cursor.lastStartMicros,
        chunk.sequenceNumber, chunk.startMicros,
        NormalisedAudio.durationMicros(chunk.samples.length), chunk.order);
    if (step == RunSequencer.Step.DUPLICATE) {
      cursor.stats.duplicates++;
      return step;
    }
    if (step == RunSequencer.Step.IMPLAUSIBLE) {
      return step; // refused: the caller dead-letters it, the feed goes on as if it never came
    }
    begin(streamId, cursor, frames);
    try {
      cursor.stats.chunks++;
      if (step == RunSequencer.Step.NEW_RUN) {
        endRun(out);
        cursor.stats.restarts++;
      }
      if (step == RunSequencer.Step.GAP) {
        cursor.stats.gaps++;
        if (cursor.started) {
          bridgeGap(chunk.startMicros, out);
        }
      }
      if (!cursor.started) {
        cursor.started = true;
        cursor.baseMicros = chunk.startMicros;
        cursor.samplesSeen = 0;
        cursor.energy = 0;
      }
      feed(chunk.samples, 0, chunk.samples.length, out);
      cursor.lastSequence = chunk.sequenceNumber;
      cursor.lastStartMicros = chunk.startMicros;
      return step;
    } finally {
      end();
    }
  }

  /** The feed went idle: ends its open segments and drops its frames; the next chunk starts a run. */
  public void flush(String streamId, FeedCursor cursor, FrameStore frames,
      Consumer<SpectrogramWindow> out) {
    begin(streamId, cursor, frames);
    try {
      endRun(out);
    } finally {
      end();
    }
  }

  /** Event time just after the last sample of the current run. */
  static long expectedNextMicros(FeedCursor cursor) {
    return micros(cursor, cursor.samplesSeen);
  }

  // ---- a call

  private void begin(String streamId, FeedCursor cursor, FrameStore frames) {
    this.streamId = streamId;
    this.cursor = cursor;
    if (!layoutMatches(cursor)) {
      // first chunk, or the job was restarted with other policies: start this feed's audio afresh
      forgetLayout(cursor, frames);
      initLayout(cursor);
    }
    for (int s = 0; s < shifts.length; s++) {
      streams[s].restore(cursor.scales[s].fbank);
      rings[s].begin(frames);
    }
  }

  private void end() {
    for (int s = 0; s < shifts.length; s++) {
      cursor.scales[s].fbank = streams[s].state();
      rings[s].end();
    }
    cursor = null;
    streamId = null;
  }

  // ---- gaps

  /** Chunks are missing before one starting at {@code startMicros}: zero-fill or reset. */
  private void bridgeGap(long startMicros, Consumer<SpectrogramWindow> out) {
    // event times are whole microseconds, samples are 62.5 us: round to the nearest sample
    long missing = Math.floorDiv((startMicros - expectedNextMicros(cursor))
        * NormalisedAudio.SAMPLE_RATE + 500_000L, 1_000_000L);
    if (settings.gapPolicy() == GapPolicy.ZERO_FILL && missing > 0
        && missing <= settings.maxZeroFillSamples()) {
      long start = cursor.samplesSeen;
      addZeroFilled(start, start + missing);
      for (long left = missing; left > 0; ) {
        int n = (int) Math.min(left, zeros.length);
        feed(zeros, 0, n, out);
        left -= n;
      }
      cursor.stats.zeroFilledSamples += missing;
    } else {
      // reset policy, or a gap we cannot measure or should not fill: a new run
      cursor.stats.resets++;
      endRun(out);
    }
  }

  private void addZeroFilled(long from, long to) {
    long[] z = cursor.zeroFilled;
    long[] next = Arrays.copyOf(z, z.length + 2);
    next[z.length] = from;
    next[z.length + 1] = to;
    cursor.zeroFilled = next;
  }

  // ---- frames and windows

  private void feed(float[] samples, int offset, int length, Consumer<SpectrogramWindow> out) {
    long stepStart = cursor.samplesSeen;
    if (prefix.length < length + 1) {
      prefix = new double[Math.max(length + 1, 2 * prefix.length)];
    }
    double e = cursor.energy;
    prefix[0] = e;
    for (int i = 0; i < length; i++) {
      double v = samples[offset + i];
      e += v * v;
      prefix[i + 1] = e;
    }
    for (int s = 0; s < streams.length; s++) {
      appendFrames(s, samples, offset, length, stepStart);
    }
    cursor.samplesSeen = stepStart + length;
    cursor.energy = e;
    for (int p = 0; p < policies.size(); p++) {
      WindowPolicy policy = policies.get(p);
      PolicyCursor at = cursor.policies[p];
      int s = scaleOfPolicy[p];
      if (policy.kind() == WindowPolicy.Kind.SLIDING) {
        int policyIndex = p;
        SlidingCutter.cut(policy, at, streams[s].frameIndex(),
            (start, frames) -> emit(policyIndex, start, frames, out));
      } else {
        for (int i = 0; i < newFrameCount[s]; i++) {
          long frame = newFrameFrom[s] + i;
          int length0 = SegmentDetector.onFrame(policy, at, frame, newFrameEnergy[s][i]);
          if (length0 > 0) {
            emit(p, at.segmentStart, length0, out);
          }
        }
      }
    }
    prune();
  }

  /** Runs scale {@code s}'s fbank over the samples, storing each new frame with its energies. */
  private void appendFrames(int s, float[] samples, int offset, int length, long stepStart) {
    StreamingFbank stream = streams[s];
    ScaleCursor scale = cursor.scales[s];
    FrameRing ring = rings[s];
    int shift = stream.extractor().windowShift();
    int size = stream.extractor().windowSize();
    long firstNew = stream.frameIndex();
    double[] pending = scale.pendingStartEnergy;
    newFrameFrom[s] = firstNew;
    newFrameCount[s] = 0;
    stream.accept(samples, offset, length, (frame, logMel, off) -> {
      long start = frame * shift;
      double before = start >= stepStart ? prefix[(int) (start - stepStart)]
          : pending[(int) (frame - firstNew)];
      double after = prefix[(int) (start + size - stepStart)];
      ring.append(frame, logMel, off, before, after);
      int i = newFrameCount[s]++;
      if (i == newFrameEnergy[s].length) {
        newFrameEnergy[s] = Arrays.copyOf(newFrameEnergy[s], 2 * i);
      }
      newFrameEnergy[s][i] = logEnergy(logMel, off);
      cursor.stats.frames++;
    });
    // energies at the starts of frames that began before the end of these samples but need more
    long stepEnd = stepStart + length;
    long next = stream.frameIndex();
    int waiting = next * shift >= stepEnd ? 0 : (int) ((stepEnd - 1 - next * shift) / shift + 1);
    double[] starts = new double[waiting];
    for (int i = 0; i < waiting; i++) {
      long start = (next + i) * shift;
      starts[i] = start >= stepStart ? prefix[(int) (start - stepStart)]
          : pending[(int) (next + i - firstNew)];
    }
    scale.pendingStartEnergy = starts;
  }

  /** Log of the frame's summed mel energies (log-sum-exp of its log-mel values). */
  private float logEnergy(float[] logMel, int from) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = from; i < from + bins; i++) {
      max = Math.max(max, logMel[i]);
    }
    double sum = 0;
    for (int i = from; i < from + bins; i++) {
      sum += Math.exp(logMel[i] - max);
    }
    return (float) (max + Math.log(sum));
  }

  private void emit(int p, long startFrame, int frames, Consumer<SpectrogramWindow> out) {
    WindowPolicy policy = policies.get(p);
    int s = scaleOfPolicy[p];
    FrameRing ring = rings[s];
    FbankExtractor extractor = streams[s].extractor();
    long startSample = startFrame * extractor.windowShift();
    long endSample = (startFrame + frames - 1) * extractor.windowShift() + extractor.windowSize();
    PolicyCursor at = cursor.policies[p];
    SpectrogramWindow window = new SpectrogramWindow(streamId, at.nextWindowSequence++,
        policy.name(), micros(cursor, startSample), micros(cursor, endSample),
        policy.frameShiftMs(), frames, bins, overlapsZeroFill(startSample, endSample),
        ring.read(startFrame, frames));
    double energy = ring.energyAfter(startFrame + frames - 1) - ring.energyBefore(startFrame);
    window.levelDbfs = (float) AudioLevel.dbfsOfMeanSquare(energy / (endSample - startSample));
    out.accept(window);
    cursor.stats.windows++;
  }

  private boolean overlapsZeroFill(long from, long to) {
    long[] z = cursor.zeroFilled;
    for (int i = 0; i < z.length; i += 2) {
      if (z[i] < to && from < z[i + 1]) {
        return true;
      }
    }
    return false;
  }

  /** Drops the frames no policy needs any more, and zero-fill ranges before every kept sample. */
  private void prune() {
    long keptFromSample = cursor.samplesSeen;
    for (int s = 0; s < shifts.length; s++) {
      ScaleCursor scale = cursor.scales[s];
      long firstNeeded = streams[s].frameIndex();
      for (int p = 0; p < policies.size(); p++) {
        if (scaleOfPolicy[p] == s) {
          PolicyCursor at = cursor.policies[p];
          firstNeeded = Math.min(firstNeeded, policies.get(p).kind() == WindowPolicy.Kind.SLIDING
              ? SlidingCutter.firstNeeded(at) : SegmentDetector.firstNeeded(at));
        }
      }
      if (firstNeeded > scale.firstKeptFrame) {
        rings[s].dropBefore(scale.firstKeptFrame, firstNeeded);
        scale.firstKeptFrame = firstNeeded;
      }
      keptFromSample = Math.min(keptFromSample,
          scale.firstKeptFrame * streams[s].extractor().windowShift());
    }
    long[] z = cursor.zeroFilled;
    int keep = 0;
    while (keep < z.length && z[keep + 1] <= keptFromSample) {
      keep += 2;
    }
    if (keep > 0) {
      cursor.zeroFilled = Arrays.copyOfRange(z, keep, z.length);
    }
  }

  /** Ends the current run: emits or drops open segments, forgets its frames; the next chunk restarts. */
  private void endRun(Consumer<SpectrogramWindow> out) {
    for (int p = 0; p < policies.size(); p++) {
      PolicyCursor at = cursor.policies[p];
      if (policies.get(p).kind() == WindowPolicy.Kind.SEGMENT) {
        int length = SegmentDetector.atRunEnd(at, streams[scaleOfPolicy[p]].frameIndex());
        if (length > 0) {
          emit(p, at.segmentStart, length, out);
        } else if (length < 0) {
          cursor.stats.droppedShortSegments++;
        }
      }
      cursor.policies[p] = new PolicyCursor(policies.get(p).name(), at.nextWindowSequence);
    }
    for (int s = 0; s < shifts.length; s++) {
      ScaleCursor scale = cursor.scales[s];
      rings[s].clear(scale.firstKeptFrame, streams[s].frameIndex());
      streams[s].reset();
      scale.firstKeptFrame = 0;
      scale.pendingStartEnergy = new double[0];
    }
    cursor.zeroFilled = new long[0];
    cursor.samplesSeen = 0;
    cursor.energy = 0;
    cursor.started = false;
  }

  // ---- layout

  private boolean layoutMatches(FeedCursor c) {
    if (c.scales.length != shifts.length || c.policies.length != policies.size()) {
      return false;
    }
    for (int s = 0; s < shifts.length; s++) {
      if (c.scales[s] == null || c.scales[s].frameShiftMs != shifts[s]) {
        return false;
      }
    }
    for (int p = 0; p < policies.size(); p++) {
      if (c.policies[p] == null || !policies.get(p).name().equals(c.policies[p].policy)) {
        return false;
      }
    }
    return true;
  }

  /** Removes the frame blocks a cursor of another layout (other policies) still holds. */
  private void forgetLayout(FeedCursor c, FrameStore frames) {
    for (int s = 0; s < c.scales.length; s++) {
      ScaleCursor old = c.scales[s];
      if (old != null && old.fbank != null) {
        FrameRing ring = new FrameRing(s, bins);
        ring.begin(frames);
        ring.clear(old.firstKeptFrame, old.fbank.frameIndex);
        ring.end();
      }
    }
  }

  private void initLayout(FeedCursor c) {
    c.scales = new ScaleCursor[shifts.length];
    for (int s = 0; s < shifts.length; s++) {
      c.scales[s] = new ScaleCursor();
      c.scales[s].frameShiftMs = shifts[s];
    }
    c.policies = new PolicyCursor[policies.size()];
    for (int p = 0; p < policies.size(); p++) {
      c.policies[p] = new PolicyCursor(policies.get(p).name(), 0);
    }
    c.zeroFilled = new long[0];
    c.samplesSeen = 0;
    c.energy = 0;
    c.started = false;
  }

  private static long micros(FeedCursor cursor, long sample) {
    return cursor.baseMicros + Math.floorDiv(sample * 1_000_000L, NormalisedAudio.SAMPLE_RATE);
  }
}
