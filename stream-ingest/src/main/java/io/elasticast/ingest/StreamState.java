package io.elasticast.ingest;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the normaliser remembers per stream between chunks: the sequence window (with the event
 * time of its latest chunk) and the resampler's filter history (null when the input is already at
 * the output rate), plus the input format that history belongs to, the event time of its sample 0,
 * and when the stream was last heard from.
 */
public record StreamState(
    SequenceTracker.State sequence,
    int inputRate,
    int inputChannels,
    long originMicros,
    PolyphaseResampler.State resampler,
    long lastSeenMillis) {

  /** The same state, last touched at {@code millis} (wall clock); idle streams are expired by it. */
  public StreamState seenAt(long millis) {
    return new StreamState(sequence, inputRate, inputChannels, originMicros, resampler, millis);
  }

  /**
   * Version 2 added the latest chunk's event start and duration and the count of chunks refused in
   * a row after the sequence window.
   * Version 1 is still read (changelogs written before stay valid): its window has no event times,
   * so the number-only sequence rules apply until the stream's next chunk.
   */
  static final byte FORMAT_VERSION = 2;
  static final byte FORMAT_VERSION_1 = 1;

  /** Compact binary form for the state store (and its changelog topic). */
  public static final class StreamStateSerde
      implements Serde<StreamState>, Serializer<StreamState>, Deserializer<StreamState> {

    @Override
    public byte[] serialize(String topic, StreamState s) {
      if (s == null) {
        return null;
      }
      float[] history = s.resampler == null ? new float[0] : s.resampler.history();
      ByteBuffer out = ByteBuffer.allocate(1 + 8 * 5 + 4 + 4 * 2 + 8 + 8 + 1 + 8 * 2 + 4 + 4 * history.length);
      out.put(FORMAT_VERSION)
          .putLong(s.sequence.highest())
          .putLong(s.sequence.seenMask())
          .putLong(s.sequence.duplicates())
          .putLong(s.sequence.latestStartMicros())
          .putLong(s.sequence.latestDurationMicros())
          .putInt(s.sequence.refusedInARow())
          .putInt(s.inputRate)
          .putInt(s.inputChannels)
          .putLong(s.originMicros)
          .putLong(s.lastSeenMillis)
          .put((byte) (s.resampler != null ? 1 : 0));
      if (s.resampler != null) {
        out.putLong(s.resampler.nextOutput()).putLong(s.resampler.historyStart()).putInt(history.length);
        out.asFloatBuffer().put(history);
        out.position(out.position() + 4 * history.length);
      }
      return Arrays.copyOf(out.array(), out.position());
    }

    @Override
    public StreamState deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      try {
        ByteBuffer in = ByteBuffer.wrap(data);
        byte version = in.get();
        if (version != FORMAT_VERSION && version != FORMAT_VERSION_1) {
          throw new SerializationException("unknown normaliser state format " + version);
        }
        long highest = in.getLong();
        long seenMask = in.getLong();
        long duplicates = in.getLong();
        var sequence = version == FORMAT_VERSION_1
            ? new SequenceTracker.State(highest, seenMask, duplicates)
            : new SequenceTracker.State(highest, seenMask, duplicates, in.getLong(), in.getLong(),
                in.getInt());
        int rate = in.getInt();
        int channels = in.getInt();
        long origin = in.getLong();
        long lastSeen = in.getLong();
        PolyphaseResampler.State resampler = null;
        if (in.get() != 0) {
          long nextOutput = in.getLong();
          long historyStart = in.getLong();
          float[] history = new float[in.getInt()];
          in.asFloatBuffer().get(history);
          resampler = new PolyphaseResampler.State(nextOutput, historyStart, history);
        }
        return new StreamState(sequence, rate, channels, origin, resampler, lastSeen);
      } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
        throw new SerializationException("corrupt normaliser state (" + data.length + " bytes)", e);
      }
    }

    @Override
    public Serializer<StreamState> serializer() {
      return this;
    }

    @Override
    public Deserializer<StreamState> deserializer() {
      return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}
  }
}
