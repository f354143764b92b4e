package io.elasticast.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.File;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

class OwnPackageDataUnitTest {

  /** A record of our package whose string field asks Avro to build a java.io.File from it. */
  private static final Schema FILE_FIELD = new Schema.Parser().parse("""
      {"type": "record", "name": "Probe", "namespace": "io.elasticast.schemas",
       "fields": [{"name": "path", "type": {"type": "string", "avro.java.string": "String", "java-class": "java.io.File"}}]}""");

  private static byte[] binary(Schema schema, GenericRecord record) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static Object read(DatumReader<?> reader, byte[] bytes) throws Exception {
    return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
  }

  @Test
  void shouldRefuseAJavaClassOutsideOurPackageThatAvrosDefaultTrusts() throws Exception {
    GenericRecord probe = new GenericData.Record(FILE_FIELD);
    probe.put("path", "/etc/passwd");
    byte[] bytes = binary(FILE_FIELD, probe);

    // Avro's own model builds the object the writer's schema names
    Object plain = read(SpecificData.get().createDatumReader(FILE_FIELD), bytes);
    assertThat(((GenericRecord) plain).get("path")).isInstanceOf(File.class);

    assertThatThrownBy(() -> read(OwnPackageData.forClass(AudioChunk.class).createDatumReader(FILE_FIELD), bytes))
        .isInstanceOf(SecurityException.class).hasMessageContaining("java.io.File");
  }

  @Test
  void shouldRefuseToResolveARecordOfAnotherPackage() {
    Schema foreign = new Schema.Parser().parse("""
        {"type": "record", "name": "Payload", "namespace": "com.example",
         "fields": [{"name": "x", "type": "int"}]}""");
    OwnPackageData model = OwnPackageData.forClass(ClassificationEvent.class);
    assertThatThrownBy(() -> model.getClass(foreign)).isInstanceOf(AvroRuntimeException.class)
        .hasMessageContaining("com.example.Payload").hasMessageContaining("io.elasticast.schemas");
    assertThat(model.getClass(ClassificationEvent.getClassSchema())).isEqualTo(ClassificationEvent.class);
  }

  @Test
  void shouldRefuseASingleObjectRecordOfAnotherPackageWithAClearError() throws Exception {
    Schema foreign = new Schema.Parser().parse("""
        {"type": "record", "name": "AudioChunk", "namespace": "com.example",
         "fields": [{"name": "x", "type": "int"}]}""");
    GenericRecord r = new GenericData.Record(foreign);
    r.put("x", 1);
    java.nio.ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), foreign).encode(r);
    byte[] bytes = new byte[encoded.remaining()];
    encoded.get(bytes);
    assertThatThrownBy(() -> new AvroSingleObjectSerde<>(AudioChunk.class).decode(bytes))
        .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
        .hasMessageContaining("AudioChunk");
  }
}
