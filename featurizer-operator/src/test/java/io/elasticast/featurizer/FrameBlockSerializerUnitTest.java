package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class FrameBlockSerializerUnitTest {

  static FrameBlock block() {
    FrameBlock b = FrameBlock.empty(3);
    for (int i = 0; i < b.logMel.length; i++) {
      b.logMel[i] = i == 5 ? Float.NEGATIVE_INFINITY : (float) Math.sin(i) * 7 - 15.97f * i;
    }
    for (int i = 0; i < b.cumulativeEnergy.length; i++) {
      b.cumulativeEnergy[i] = 1e6 + i * 0.1234567891234;
    }
    return b;
  }

  @Test
  void shouldWriteAndReadEveryValueExactly() throws Exception {
    FrameBlock b = block();
    DataOutputSerializer out = new DataOutputSerializer(64);
    FrameBlockSerializer.INSTANCE.serialize(b, out);
    FrameBlockSerializer.INSTANCE.serialize(b, out);
    assertThat(out.length()).isEqualTo(2 * (8 + 4 * 48 + 8 * 32));
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    for (int i = 0; i < 2; i++) {
      FrameBlock read = FrameBlockSerializer.INSTANCE.deserialize(in);
      assertThat(read.logMel).containsExactly(b.logMel);
      assertThat(read.cumulativeEnergy).containsExactly(b.cumulativeEnergy);
    }
  }

  @Test
  void shouldCopyDeeplyAndCopyBytesThrough() throws Exception {
    FrameBlock b = block();
    FrameBlock copy = FrameBlockSerializer.INSTANCE.copy(b);
    copy.logMel[0] = 42f;
    assertThat(b.logMel[0]).isNotEqualTo(42f);

    DataOutputSerializer out = new DataOutputSerializer(64);
    FrameBlockSerializer.INSTANCE.serialize(b, out);
    DataOutputSerializer through = new DataOutputSerializer(64);
    FrameBlockSerializer.INSTANCE.copy(new DataInputDeserializer(out.getCopyOfBuffer()), through);
    assertThat(through.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
  }

  @Test
  void shouldRestoreFromItsOwnSnapshot() {
    var snapshot = FrameBlockSerializer.INSTANCE.snapshotConfiguration();
    assertThat(snapshot.restoreSerializer()).isSameAs(FrameBlockSerializer.INSTANCE);
    TypeSerializerSchemaCompatibility<FrameBlock> compat =
        FrameBlockSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(snapshot);
    assertThat(compat.isCompatibleAsIs()).isTrue();
  }
}
