package io.elasticast.featurizer;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.SpectrogramWindow;
import java.util.function.Consumer;

/**
 * One feed featurized in memory, chunk by chunk, exactly as the job does it: for tools and tests
 * that need a feed's windows without Flink.
 */
public final class OfflineFeed {

  private final String streamId;
  private final FeedFeaturizer featurizer;
  private final FeedCursor cursor = new FeedCursor();
  private final FrameStore frames = new FrameStore.InMemory();

  public OfflineFeed(String streamId, FeaturizerSettings settings) {
    this.streamId = streamId;
    this.featurizer = new FeedFeaturizer(settings, settings.policiesFor(streamId),
        new ExtractorCache(settings.numMelBins()));
  }

  /** Takes one normalised chunk of this feed; emits the windows it completes. */
  public RunSequencer.Step accept(AudioChunk chunk, Consumer<SpectrogramWindow> out) {
    NormalisedAudio.Decoded decoded = NormalisedAudio.decode(chunk);
    if (!decoded.ok()) {
      throw new IllegalArgumentException("not a normalised chunk (" + decoded.reason() + "): "
          + decoded.message());
    }
    return featurizer.accept(streamId, cursor, frames, FeedChunk.of(chunk, decoded.samples()), out);
  }

  /** The feed went idle: its open segments end. */
  public void flush(Consumer<SpectrogramWindow> out) {
    featurizer.flush(streamId, cursor, frames, out);
  }

  public FeedCursor.FeedStats stats() {
    return cursor.stats;
  }
}
