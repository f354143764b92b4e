package io.elasticast.featurizer;

import io.elasticast.featurizer.FeaturizerSettings.GapPolicy;
import io.elasticast.featurizer.FeedState.PendingChunk;
import io.elasticast.featurizer.FeedState.PolicyState;
import io.elasticast.featurizer.FeedState.ScaleState;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * One feed's chunks → {@link SpectrogramWindow}s, with no Flink in sight: orders chunks by sequence
 * number (duplicates dropped, a small reorder buffer, gaps reset or zero-filled, never spliced),
 * runs one {@link StreamingFbank} per frame shift over the same samples, and cuts the frames with
 * every {@link WindowPolicy} of the feed. All memory lives in a {@link FeedState} that the caller
 * keeps (in Flink managed state); this object is a cheap view over it, built per call.
 */
public final class FeedFeaturizer {

  private final String streamId;
  private final FeaturizerSettings settings;
  private final List<WindowPolicy> policies;
  private final FeedState state;
  private final StreamingFbank[] streams;
  private final int[] scaleOfPolicy;
  private final int bins;

  public FeedFeaturizer(String streamId, FeaturizerSettings settings, ExtractorCache extractors,
      FeedState state) {
    if (extractors.numMelBins() != settings.numMelBins()) {
      throw new IllegalArgumentException("extractor cache has " + extractors.numMelBins()
          + " mel bins, settings " + settings.numMelBins());
    }
    this.streamId = streamId;
    this.settings = settings;
    this.policies = settings.policiesFor(streamId);
    this.state = state;
    this.bins = settings.numMelBins();
    int[] shifts = policies.stream().mapToInt(WindowPolicy::frameShiftMs).distinct().sorted()
        .toArray();
    if (!layoutMatches(shifts)) {
      // first chunk, or the job was restarted with other policies: start this feed's audio afresh
      initLayout(shifts);
    }
    streams = new StreamingFbank[shifts.length];
    for (int i = 0; i < shifts.length; i++) {
      streams[i] = new StreamingFbank(extractors.forShift(shifts[i]), state.scales[i].fbank);
    }
    scaleOfPolicy = new int[policies.size()];
    for (int p = 0; p < policies.size(); p++) {
      scaleOfPolicy[p] = Arrays.binarySearch(shifts, policies.get(p).frameShiftMs());
    }
  }

  public FeedState state() {
    return state;
  }

  /** What became of a chunk. */
  public enum Verdict {
    ACCEPTED,
    /** Already delivered (or waiting in the reorder buffer): dropped. */
    DUPLICATE,
    /** Arrived after its gap had been declared: dropped, never spliced in. */
    LATE,
    /** The feed started over (lower sequence number, later event time): old state dropped, taken. */
    RESTARTED,
    /** A jump in sequence numbers that the chunk's event time does not account for: refused. */
    IMPLAUSIBLE_SEQUENCE
  }

  /**
   * Forward jumps up to this many chunks are always gaps; longer ones must be matched by event
   * time, so one corrupt sequence number cannot make a feed wait for numbers it will never send.
   */
  public static final int MAX_UNTIMED_JUMP = 64;

  /** Takes one chunk of mono 16 kHz samples; emits every window it completes. */
  public Verdict acceptChunk(long sequenceNumber, long startMicros, float[] samples,
      Consumer<SpectrogramWindow> out) {
    long chunkMicros = samples.length * 1_000_000L / FeaturizerSettings.SAMPLE_RATE;
    Verdict verdict = Verdict.ACCEPTED;
    if (state.nextSequence < 0) {
      state.nextSequence = sequenceNumber;
    } else if (isRestart(sequenceNumber, startMicros)) {
      restart(sequenceNumber, out);
      verdict = Verdict.RESTARTED;
    } else if (isImplausibleJump(sequenceNumber, startMicros, chunkMicros)) {
      state.stats.rejectedSequences++;
      return Verdict.IMPLAUSIBLE_SEQUENCE;
    }
    state.stats.chunks++;
    if (sequenceNumber < state.nextSequence || isBuffered(sequenceNumber)) {
      if (sequenceNumber >= state.skippedFrom && sequenceNumber < state.skippedTo) {
        state.stats.lateChunks++;
        return Verdict.LATE;
      }
      state.stats.duplicates++;
      return Verdict.DUPLICATE;
    }
    if (startMicros > state.latestStartMicros) {
      state.latestStartMicros = startMicros;
      state.latestChunkMicros = chunkMicros;
    }
    if (sequenceNumber == state.nextSequence) {
      process(startMicros, samples, false, out);
      state.nextSequence++;
    } else {
      buffer(new PendingChunk(sequenceNumber, startMicros, samples));
      if (state.reorder.length > settings.reorderCapacity()) {
        // waited long enough for the missing chunk(s): declare a gap before the oldest held one
        PendingChunk first = takeFirstBuffered();
        declareGap(first.sequenceNumber);
        process(first.startMicros, first.samples, true, out);
        state.nextSequence = first.sequenceNumber + 1;
      }
    }
    releaseConsecutive(out);
    syncStreams();
    return verdict;
  }

  /**
   * A number already used (or waiting) whose audio starts after the latest chunk's: the producer
   * started the feed over (the same file ingested again, a restarted device). A repeat carries
   * its original, earlier event time instead.
   */
  private boolean isRestart(long sequenceNumber, long startMicros) {
    return (sequenceNumber < state.nextSequence || isBuffered(sequenceNumber))
        && state.latestStartMicros >= 0
        && startMicros > state.latestStartMicros + state.latestChunkMicros / 2;
  }

  private boolean isImplausibleJump(long sequenceNumber, long startMicros, long chunkMicros) {
    long jump = sequenceNumber - state.nextSequence;
    if (jump <= MAX_UNTIMED_JUMP || state.latestStartMicros < 0) {
      return false;
    }
    double expectedMicros = (double) (jump + 1) * chunkMicros;
    return startMicros - state.latestStartMicros < expectedMicros / 2;
  }

  /** Ends the old producer's run (its held chunks and open segments flushed) and starts anew. */
  private void restart(long sequenceNumber, Consumer<SpectrogramWindow> out) {
    flush(out);
    state.stats.restarts++;
    state.nextSequence = sequenceNumber;
    state.skippedFrom = -1;
    state.skippedTo = -1;
    state.latestStartMicros = -1;
    state.latestChunkMicros = 0;
  }

  /**
   * The feed went idle: process held chunks (declaring the gaps before them), end open native
   * segments, and drop the audio buffers. Counters and the next expected sequence number stay.
   */
  public void flush(Consumer<SpectrogramWindow> out) {
    while (state.reorder.length > 0) {
      PendingChunk first = takeFirstBuffered();
      boolean gap = first.sequenceNumber != state.nextSequence;
      if (gap) {
        declareGap(first.sequenceNumber);
      }
      process(first.startMicros, first.samples, gap, out);
      state.nextSequence = first.sequenceNumber + 1;
    }
    endRun(out);
    syncStreams();
  }

  /** Event time just after the last sample of the current run (only meaningful when started). */
  public long expectedNextMicros() {
    return micros(state.samplesSeen);
  }

  // ---- sequencing

  private boolean isBuffered(long sequenceNumber) {
    for (PendingChunk p : state.reorder) {
      if (p.sequenceNumber == sequenceNumber) {
        return true;
      }
    }
    return false;
  }

  private void declareGap(long resumeAt) {
    state.stats.gaps++;
    state.skippedFrom = state.nextSequence;
    state.skippedTo = resumeAt;
  }

  private void buffer(PendingChunk chunk) {
    PendingChunk[] next = Arrays.copyOf(state.reorder, state.reorder.length + 1);
    int i = next.length - 1;
    while (i > 0 && next[i - 1].sequenceNumber > chunk.sequenceNumber) {
      next[i] = next[i - 1];
      i--;
    }
    next[i] = chunk;
    state.reorder = next;
  }

  private PendingChunk takeFirstBuffered() {
    PendingChunk first = state.reorder[0];
    state.reorder = Arrays.copyOfRange(state.reorder, 1, state.reorder.length);
    return first;
  }

  private void releaseConsecutive(Consumer<SpectrogramWindow> out) {
    while (state.reorder.length > 0 && state.reorder[0].sequenceNumber == state.nextSequence) {
      PendingChunk next = takeFirstBuffered();
      process(next.startMicros, next.samples, false, out);
      state.nextSequence++;
    }
  }

  private void process(long startMicros, float[] samples, boolean gapBefore,
      Consumer<SpectrogramWindow> out) {
    if (gapBefore && state.started) {
      // event times are whole microseconds, samples are 62.5 us: round to the nearest sample
      long missing = Math.floorDiv((startMicros - expectedNextMicros()) * FeaturizerSettings.SAMPLE_RATE
          + 500_000L, 1_000_000L);
      if (settings.gapPolicy() == GapPolicy.ZERO_FILL && missing > 0
          && missing <= settings.maxZeroFillSamples()) {
        zeroFill(missing, out);
      } else {
        // reset policy, or a gap we cannot measure or should not fill: start a new run
        state.stats.resets++;
        endRun(out);
      }
    }
    if (!state.started) {
      state.started = true;
      state.baseMicros = startMicros;
      state.samplesSeen = 0;
    }
    feed(samples, 0, samples.length, out);
  }

  private void zeroFill(long missing, Consumer<SpectrogramWindow> out) {
    float[] zeros = new float[(int) Math.min(missing, FeaturizerSettings.SAMPLE_RATE)];
    long start = state.samplesSeen;
    addZeroFilled(start, start + missing);
    long left = missing;
    while (left > 0) {
      int n = (int) Math.min(left, zeros.length);
      feed(zeros, 0, n, out);
      left -= n;
    }
    state.stats.zeroFilledSamples += missing;
  }

  private void addZeroFilled(long from, long to) {
    long[] z = state.zeroFilled;
    long[] next = Arrays.copyOf(z, z.length + 2);
    next[z.length] = from;
    next[z.length + 1] = to;
    state.zeroFilled = next;
  }

  // ---- frames and windows

  private void feed(float[] samples, int offset, int length, Consumer<SpectrogramWindow> out) {
    addLevel(samples, offset, length);
    for (int s = 0; s < streams.length; s++) {
      ScaleState scale = state.scales[s];
      streams[s].accept(samples, offset, length, (index, values, off) -> append(scale, index, values, off));
    }
    state.samplesSeen += length;
    for (int p = 0; p < policies.size(); p++) {
      WindowPolicy policy = policies.get(p);
      if (policy.kind() == WindowPolicy.Kind.SLIDING) {
        emitSliding(p, out);
      } else {
        scanSegments(p, out);
      }
    }
    prune();
  }

  private void append(ScaleState scale, long index, float[] values, int offset) {
    if (index != scale.firstFrame + scale.frameCount) {
      throw new IllegalStateException("frame " + index + " does not follow frame buffer ending at "
          + (scale.firstFrame + scale.frameCount) + " for " + streamId);
    }
    int need = (scale.frameCount + 1) * bins;
    if (scale.frames.length < need) {
      scale.frames = Arrays.copyOf(scale.frames, Math.max(need, scale.frames.length * 2));
    }
    System.arraycopy(values, offset, scale.frames, scale.frameCount * bins, bins);
    scale.frameCount++;
    state.stats.frames++;
  }

  private void emitSliding(int p, Consumer<SpectrogramWindow> out) {
    WindowPolicy policy = policies.get(p);
    PolicyState ps = state.policies[p];
    ScaleState scale = state.scales[scaleOfPolicy[p]];
    long available = scale.firstFrame + scale.frameCount;
    while (ps.nextStartFrame >= scale.firstFrame
        && ps.nextStartFrame + policy.lengthFrames() <= available) {
      emit(p, ps.nextStartFrame, policy.lengthFrames(), out);
      ps.nextStartFrame += policy.hopFrames();
    }
  }

  private void scanSegments(int p, Consumer<SpectrogramWindow> out) {
    WindowPolicy policy = policies.get(p);
    PolicyState ps = state.policies[p];
    ScaleState scale = state.scales[scaleOfPolicy[p]];
    long available = scale.firstFrame + scale.frameCount;
    for (long f = Math.max(ps.scannedFrames, scale.firstFrame); f < available; f++) {
      boolean active = logEnergy(scale, f) > policy.silenceLogEnergy();
      if (!ps.open) {
        if (active) {
          ps.open = true;
          ps.segmentStart = f;
          ps.lastActiveFrame = f;
          ps.silentRun = 0;
        }
      } else {
        if (active) {
          ps.lastActiveFrame = f;
          ps.silentRun = 0;
        } else {
          ps.silentRun++;
        }
        long length = f - ps.segmentStart + 1;
        if (length >= policy.maxFrames()) {
          emit(p, ps.segmentStart, policy.maxFrames(), out);
          ps.open = false;
        } else if (ps.silentRun >= policy.minSilenceFrames() && length >= policy.minFrames()) {
          long activeLength = ps.lastActiveFrame - ps.segmentStart + 1;
          long emitLength = Math.min(roundUpToPatch(Math.max(activeLength, policy.minFrames())),
              roundDownToPatch(length));
          emit(p, ps.segmentStart, (int) emitLength, out);
          ps.open = false;
        }
      }
      ps.scannedFrames = f + 1;
    }
  }

  /** Log of the frame's summed mel energies (log-sum-exp of its log-mel values). */
  private float logEnergy(ScaleState scale, long frame) {
    int from = (int) (frame - scale.firstFrame) * bins;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = from; i < from + bins; i++) {
      max = Math.max(max, scale.frames[i]);
    }
    double sum = 0;
    for (int i = from; i < from + bins; i++) {
      sum += Math.exp(scale.frames[i] - max);
    }
    return (float) (max + Math.log(sum));
  }

  /** Ends the current run: closes open segments, drops samples and frames; next chunk restarts. */
  private void endRun(Consumer<SpectrogramWindow> out) {
    for (int p = 0; p < policies.size(); p++) {
      PolicyState ps = state.policies[p];
      if (policies.get(p).kind() == WindowPolicy.Kind.SEGMENT && ps.open) {
        ScaleState scale = state.scales[scaleOfPolicy[p]];
        long available = scale.firstFrame + scale.frameCount;
        long emitLength = Math.min(roundUpToPatch(ps.lastActiveFrame - ps.segmentStart + 1),
            roundDownToPatch(available - ps.segmentStart));
        if (emitLength >= WindowPolicy.PATCH_FRAMES) {
          emit(p, ps.segmentStart, (int) emitLength, out);
        } else {
          state.stats.droppedShortSegments++;
        }
      }
      long nextWindow = ps.nextWindowSequence;
      state.policies[p] = new PolicyState();
      state.policies[p].policy = policies.get(p).name();
      state.policies[p].nextWindowSequence = nextWindow;
    }
    for (int s = 0; s < streams.length; s++) {
      streams[s].reset();
      ScaleState scale = state.scales[s];
      scale.firstFrame = 0;
      scale.frameCount = 0;
      scale.frames = new float[0];
    }
    state.zeroFilled = new long[0];
    state.levelFirstBlock = 0;
    state.levelBlocks = new float[0];
    state.samplesSeen = 0;
    state.started = false;
  }

  private void emit(int p, long startFrame, int frames, Consumer<SpectrogramWindow> out) {
    WindowPolicy policy = policies.get(p);
    ScaleState scale = state.scales[scaleOfPolicy[p]];
    FbankExtractor extractor = streams[scaleOfPolicy[p]].extractor();
    int from = (int) (startFrame - scale.firstFrame) * bins;
    float[] data = Arrays.copyOfRange(scale.frames, from, from + frames * bins);
    long startSample = startFrame * extractor.windowShift();
    long endSample = (startFrame + frames - 1) * extractor.windowShift() + extractor.windowSize();
    PolicyState ps = state.policies[p];
    SpectrogramWindow window = new SpectrogramWindow(streamId, ps.nextWindowSequence++,
        policy.name(), micros(startSample), micros(endSample), policy.frameShiftMs(), frames, bins,
        overlapsZeroFill(startSample, endSample), data);
    window.levelDbfs = (float) levelDbfs(startSample, endSample);
    out.accept(window);
    state.stats.windows++;
  }

  private boolean overlapsZeroFill(long from, long to) {
    long[] z = state.zeroFilled;
    for (int i = 0; i < z.length; i += 2) {
      if (z[i] < to && from < z[i + 1]) {
        return true;
      }
    }
    return false;
  }

  /** Drops frames no policy needs any more, and zero-fill ranges before every kept frame. */
  private void prune() {
    long keptFromSample = Long.MAX_VALUE;
    for (int s = 0; s < state.scales.length; s++) {
      ScaleState scale = state.scales[s];
      long firstNeeded = Long.MAX_VALUE;
      for (int p = 0; p < policies.size(); p++) {
        if (scaleOfPolicy[p] != s) {
          continue;
        }
        PolicyState ps = state.policies[p];
        long need = policies.get(p).kind() == WindowPolicy.Kind.SLIDING ? ps.nextStartFrame
            : ps.open ? ps.segmentStart : ps.scannedFrames;
        firstNeeded = Math.min(firstNeeded, need);
      }
      int drop = (int) Math.min(Math.max(0, firstNeeded - scale.firstFrame), scale.frameCount);
      if (drop > 0) {
        System.arraycopy(scale.frames, drop * bins, scale.frames, 0, (scale.frameCount - drop) * bins);
        scale.frameCount -= drop;
        scale.firstFrame += drop;
      }
      keptFromSample = Math.min(keptFromSample,
          Math.min(firstNeeded, scale.firstFrame) * streams[s].extractor().windowShift());
    }
    long[] z = state.zeroFilled;
    int keep = 0;
    while (keep < z.length && z[keep + 1] <= keptFromSample && z[keep + 1] <= state.samplesSeen) {
      keep += 2;
    }
    if (keep > 0) {
      state.zeroFilled = Arrays.copyOfRange(z, keep, z.length);
    }
    pruneLevel(keptFromSample);
  }

  // ---- level

  /**
   * Samples per level block (1 ms). Every window starts and ends on a multiple of 16 samples
   * (frame shifts are whole milliseconds, the frame is 25 ms), so a window covers whole blocks and
   * its level is exact.
   */
  static final int LEVEL_BLOCK = 16;

  /**
   * Adds samples to the level blocks one by one, in order, so the sums (and so the levels) are
   * the same however the audio was cut into chunks.
   */
  private void addLevel(float[] samples, int offset, int length) {
    if (state.levelBlocks == null) {
      state.levelBlocks = new float[0];
      state.levelFirstBlock = state.samplesSeen / LEVEL_BLOCK;
    }
    if (length == 0) {
      return;
    }
    long lastBlock = (state.samplesSeen + length - 1) / LEVEL_BLOCK - state.levelFirstBlock;
    if (lastBlock >= state.levelBlocks.length) {
      // exact size: the blocks are checkpointed with the feed, spare capacity would be too
      state.levelBlocks = Arrays.copyOf(state.levelBlocks, (int) lastBlock + 1);
    }
    long position = state.samplesSeen;
    for (int i = offset; i < offset + length; i++, position++) {
      int block = (int) (position / LEVEL_BLOCK - state.levelFirstBlock);
      if (block < 0) {
        continue; // restored mid-run without level blocks: the level starts at the next block
      }
      float v = samples[i];
      state.levelBlocks[block] += v * v;
    }
  }

  /**
   * The RMS level of samples [from, to) of the run (an edge block that the range only partly
   * covers counts in proportion). NaN where no block covers the range.
   */
  private double levelDbfs(long from, long to) {
    float[] blocks = state.levelBlocks;
    if (blocks == null) {
      return Double.NaN;
    }
    double energy = 0;
    long covered = 0;
    long firstSample = state.levelFirstBlock * LEVEL_BLOCK;
    for (long b = Math.max(0, (from - firstSample) / LEVEL_BLOCK); b < blocks.length; b++) {
      long start = firstSample + b * LEVEL_BLOCK;
      long end = Math.min(start + LEVEL_BLOCK, state.samplesSeen);
      if (start >= to || end <= start) {
        break;
      }
      long overlap = Math.min(end, to) - Math.max(start, from);
      if (overlap > 0) {
        energy += blocks[(int) b] * overlap / (end - start);
        covered += overlap;
      }
    }
    return covered == 0 ? Double.NaN : AudioLevel.dbfsOfMeanSquare(energy / covered);
  }

  /** Drops the blocks that end before every sample still needed. */
  private void pruneLevel(long keptFromSample) {
    if (state.levelBlocks == null) {
      return;
    }
    long keepBlock = Math.min(keptFromSample, state.samplesSeen) / LEVEL_BLOCK;
    int drop = (int) Math.min(state.levelBlocks.length, keepBlock - state.levelFirstBlock);
    if (drop > 0) {
      state.levelBlocks = Arrays.copyOfRange(state.levelBlocks, drop, state.levelBlocks.length);
      state.levelFirstBlock += drop;
    }
  }

  // ---- state layout

  private boolean layoutMatches(int[] shifts) {
    if (state.scales.length != shifts.length || state.policies.length != policies.size()) {
      return false;
    }
    for (int i = 0; i < shifts.length; i++) {
      if (state.scales[i] == null || state.scales[i].frameShiftMs != shifts[i]) {
        return false;
      }
    }
    for (int p = 0; p < policies.size(); p++) {
      if (state.policies[p] == null || !policies.get(p).name().equals(state.policies[p].policy)) {
        return false;
      }
    }
    return true;
  }

  private void initLayout(int[] shifts) {
    state.scales = new ScaleState[shifts.length];
    for (int i = 0; i < shifts.length; i++) {
      state.scales[i] = new ScaleState();
      state.scales[i].frameShiftMs = shifts[i];
    }
    state.policies = new PolicyState[policies.size()];
    for (int p = 0; p < policies.size(); p++) {
      state.policies[p] = new PolicyState();
      state.policies[p].policy = policies.get(p).name();
    }
    state.zeroFilled = new long[0];
    state.levelFirstBlock = 0;
    state.levelBlocks = new float[0];
    state.samplesSeen = 0;
    state.started = false;
  }

  private void syncStreams() {
    for (int s = 0; s < streams.length; s++) {
      state.scales[s].fbank = streams[s].state();
    }
  }

  private long micros(long sample) {
    return state.baseMicros + Math.floorDiv(sample * 1_000_000L, FeaturizerSettings.SAMPLE_RATE);
  }

  static long roundUpToPatch(long frames) {
    return (frames + WindowPolicy.PATCH_FRAMES - 1) / WindowPolicy.PATCH_FRAMES
        * WindowPolicy.PATCH_FRAMES;
  }

  static long roundDownToPatch(long frames) {
    return frames / WindowPolicy.PATCH_FRAMES * WindowPolicy.PATCH_FRAMES;
  }
}
