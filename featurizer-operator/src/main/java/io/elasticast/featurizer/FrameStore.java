package io.elasticast.featurizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Where one feed's {@link FrameBlock}s live: Flink map state in the job (heap or RocksDB), a map in
 * tests and offline tools. A block handed to {@link #put} may be kept by reference; one obtained
 * from {@link #get} is changed only to be put back.
 */
public interface FrameStore {

  /** The block under {@code key}, or null. */
  FrameBlock get(long key);

  void put(long key, FrameBlock block);

  void remove(long key);

  /** Key of block {@code block} of frame-shift scale {@code scale} (at most {@link #MAX_SCALES}). */
  static long key(int scale, long block) {
    return block * MAX_SCALES + scale;
  }

  int MAX_SCALES = 8;

  /** A store in a plain map, for one feed. */
  final class InMemory implements FrameStore {
    private final Map<Long, FrameBlock> blocks = new HashMap<>();

    @Override
    public FrameBlock get(long key) {
      return blocks.get(key);
    }

    @Override
    public void put(long key, FrameBlock block) {
      blocks.put(key, block);
    }

    @Override
    public void remove(long key) {
      blocks.remove(key);
    }

    public int size() {
      return blocks.size();
    }
  }
}
