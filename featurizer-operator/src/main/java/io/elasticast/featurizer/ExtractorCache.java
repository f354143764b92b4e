package io.elasticast.featurizer;

import java.util.HashMap;
import java.util.Map;

/**
 * One {@link FbankExtractor} per frame shift (window, mel bank and FFT plan built once), shared by
 * all feeds of one operator instance. Not thread-safe, like the extractors it holds.
 */
public final class ExtractorCache {

  private final int numMelBins;
  private final Map<Integer, FbankExtractor> byShift = new HashMap<>();

  public ExtractorCache(int numMelBins) {
    this.numMelBins = numMelBins;
  }

  public FbankExtractor forShift(int frameShiftMs) {
    return byShift.computeIfAbsent(frameShiftMs,
        shift -> new FbankExtractor(FbankConfig.ast(shift, numMelBins)));
  }

  public int numMelBins() {
    return numMelBins;
  }
}
