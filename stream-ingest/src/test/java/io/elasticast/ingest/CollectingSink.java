package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Keeps every chunk, in order, for assertions. */
final class CollectingSink implements ChunkSink {
  final List<AudioChunk> chunks = new ArrayList<>();
  int flushes;

  @Override
  public synchronized void send(AudioChunk chunk, Consumer<Exception> onFailure) {
    chunks.add(chunk);
  }

  @Override
  public synchronized void flush() {
    flushes++;
  }

  @Override
  public void close() {}

  synchronized List<AudioChunk> of(String streamId) {
    return chunks.stream().filter(c -> c.getStreamId().equals(streamId)).toList();
  }
}
