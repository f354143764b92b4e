package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import java.util.function.Consumer;

/** Where ingest delivers chunks: Kafka in the CLI, a list in tests. */
public interface ChunkSink extends AutoCloseable {

  /** Sends asynchronously; {@code onFailure} is called (on another thread) if delivery fails. */
  void send(AudioChunk chunk, Consumer<Exception> onFailure);

  /** Blocks until everything sent so far is delivered or has failed. */
  void flush();

  @Override
  void close();
}
