package io.elasticast.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the normaliser remembers per stream between chunks: the sequence window and the resampler's
 * filter history (null when the input is already at the output rate), plus the input format that
 * history belongs to and the event time of its sample 0.
 */
public record StreamState(
    SequenceTracker.State sequence,
    int inputRate,
    int inputChannels,
    long originMicros,
    PolyphaseResampler.State resampler) {

  private static final byte FORMAT_VERSION = 1;

  /** Compact binary form for the state store (and its changelog topic). */
  public static final class StreamStateSerde
      implements Serde<StreamState>, Serializer<StreamState>, Deserializer<StreamState> {

    @Override
    public byte[] serialize(String topic, StreamState s) {
      if (s == null) {
        return null;
      }
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(FORMAT_VERSION);
        out.writeLong(s.sequence.highest());
        out.writeLong(s.sequence.seenMask());
        out.writeLong(s.sequence.duplicates());
        out.writeInt(s.inputRate);
        out.writeInt(s.inputChannels);
        out.writeLong(s.originMicros);
        out.writeBoolean(s.resampler != null);
        if (s.resampler != null) {
          float[] history = s.resampler.history();
          out.writeLong(s.resampler.nextOutput());
          out.writeLong(s.resampler.historyStart());
          out.writeInt(history.length);
          for (float v : history) {
            out.writeFloat(v);
          }
        }
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public StreamState deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        byte version = in.readByte();
        if (version != FORMAT_VERSION) {
          throw new SerializationException("unknown normaliser state format " + version);
        }
        var sequence = new SequenceTracker.State(in.readLong(), in.readLong(), in.readLong());
        int rate = in.readInt();
        int channels = in.readInt();
        long origin = in.readLong();
        PolyphaseResampler.State resampler = null;
        if (in.readBoolean()) {
          long nextOutput = in.readLong();
          long historyStart = in.readLong();
          float[] history = new float[in.readInt()];
          for (int i = 0; i < history.length; i++) {
            history[i] = in.readFloat();
          }
          resampler = new PolyphaseResampler.State(nextOutput, historyStart, history);
        }
        return new StreamState(sequence, rate, channels, origin, resampler);
      } catch (IOException e) {
        throw new SerializationException("corrupt normaliser state: " + e.getMessage(), e);
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
