package io.elasticast.featurizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A {@link FrameBlock} as its arrays' bytes, each written in one piece. Frame blocks are most of a
 * feed's state: the POJO serializer writes each float through {@code writeInt}, which made writing
 * checkpoints (and, on RocksDB, every block read and write) the job's largest cost after the FFT.
 */
public final class FrameBlockSerializer extends TypeSerializerSingleton<FrameBlock> {

  public static final FrameBlockSerializer INSTANCE = new FrameBlockSerializer();

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public FrameBlock createInstance() {
    FrameBlock b = new FrameBlock();
    b.logMel = new float[0];
    b.cumulativeEnergy = new double[0];
    return b;
  }

  @Override
  public FrameBlock copy(FrameBlock from) {
    FrameBlock b = new FrameBlock();
    b.logMel = from.logMel.clone();
    b.cumulativeEnergy = from.cumulativeEnergy.clone();
    return b;
  }

  @Override
  public FrameBlock copy(FrameBlock from, FrameBlock reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(FrameBlock block, DataOutputView target) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(8 + 4 * block.logMel.length + 8 * block.cumulativeEnergy.length);
    bytes.putInt(block.logMel.length).putInt(block.cumulativeEnergy.length);
    bytes.asFloatBuffer().put(block.logMel);
    bytes.position(8 + 4 * block.logMel.length);
    bytes.asDoubleBuffer().put(block.cumulativeEnergy);
    target.write(bytes.array());
  }

  @Override
  public FrameBlock deserialize(DataInputView source) throws IOException {
    int floats = source.readInt();
    int doubles = source.readInt();
    byte[] raw = new byte[4 * floats + 8 * doubles];
    source.readFully(raw);
    ByteBuffer bytes = ByteBuffer.wrap(raw);
    FrameBlock b = new FrameBlock();
    b.logMel = new float[floats];
    bytes.asFloatBuffer().get(b.logMel);
    bytes.position(4 * floats);
    b.cumulativeEnergy = new double[doubles];
    bytes.asDoubleBuffer().get(b.cumulativeEnergy);
    return b;
  }

  @Override
  public FrameBlock deserialize(FrameBlock reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int floats = source.readInt();
    int doubles = source.readInt();
    byte[] values = new byte[4 * floats + 8 * doubles];
    source.readFully(values);
    target.writeInt(floats);
    target.writeInt(doubles);
    target.write(values);
  }

  @Override
  public TypeSerializerSnapshot<FrameBlock> snapshotConfiguration() {
    return new Snapshot();
  }

  /** The serializer has no configuration: a snapshot only names it. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<FrameBlock> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
