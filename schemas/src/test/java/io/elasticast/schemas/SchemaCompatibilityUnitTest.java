package io.elasticast.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every current schema must read data written with each committed earlier version (backward) and
 * be readable by readers of each earlier version (forward). A change that breaks either fails here.
 */
class SchemaCompatibilityUnitTest {

  static List<Schema> currentRecords() {
    return List.of(AudioChunk.getClassSchema(), ClassificationEvent.getClassSchema(),
        DeadLetter.getClassSchema(), Incident.getClassSchema());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("currentRecords")
  void shouldStayBackwardAndForwardCompatibleWithEveryReleasedVersion(Schema current) {
    List<Schema> history = SchemaHistory.previousVersionsOf(current.getName());
    assertThat(history).as("committed versions of " + current.getName()).isNotEmpty();
    for (Schema previous : history) {
      assertCompatible("backward (new reads old)", current, previous);
      assertCompatible("forward (old reads new)", previous, current);
    }
  }

  @Test
  void shouldListEveryNamedTypeInEachReleasedVersion() {
    for (String v : SchemaHistory.VERSIONS) {
      Map<String, Schema> types = SchemaHistory.version(v);
      assertThat(types).containsKeys("AudioChunk", "ClassificationEvent", "DeadLetter");
    }
  }

  @Test
  void shouldSkipVersionsReleasedBeforeARecordExisted() {
    // Incident first ships in v2: v1 is read without it, and only v2 is its history
    assertThat(SchemaHistory.version("v1")).doesNotContainKeys("Incident", "IncidentState");
    assertThat(SchemaHistory.version("v2")).containsKeys("Incident", "IncidentState");
    assertThat(SchemaHistory.previousVersionsOf("Incident")).hasSize(SchemaHistory.VERSIONS.size() - 1);
    // a file a version should have is still an error when it is missing
    assertThat(SchemaHistory.released("AudioChunk.avsc", "v1")).isTrue();
    assertThat(SchemaHistory.released("Incident.avsc", "v1")).isFalse();
  }

  @Test
  void shouldReadAnIncidentStateItDoesNotKnowAsUnknown() throws Exception {
    // a future writer adds a state; this reader must not mistake it for OPEN or CLOSED
    String json = Incident.getClassSchema().toString()
        .replace("\"symbols\":[\"UNKNOWN\",\"OPEN\",\"UPDATE\",\"CLOSED\"]",
            "\"symbols\":[\"UNKNOWN\",\"OPEN\",\"UPDATE\",\"CLOSED\",\"ESCALATED\"]");
    Schema future = new Schema.Parser().parse(json);
    assertThat(future.toString()).contains("ESCALATED");
    Incident written = RecordFixtures.incident();
    org.apache.avro.generic.GenericRecord generic = new org.apache.avro.generic.GenericData.Record(future);
    for (Schema.Field f : future.getFields()) {
      generic.put(f.name(), written.get(f.name()));
    }
    generic.put("state", new org.apache.avro.generic.GenericData.EnumSymbol(
        future.getField("state").schema(), "ESCALATED"));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(bytes, null);
    new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericRecord>(future).write(generic, encoder);
    encoder.flush();
    var decoder = org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null);
    Incident read = new org.apache.avro.specific.SpecificDatumReader<Incident>(future, Incident.getClassSchema())
        .read(null, decoder);
    assertThat(read.getState()).isEqualTo(IncidentState.UNKNOWN);
    assertThat(read.getIncidentId()).isEqualTo(written.getIncidentId());
  }

  @Test
  void shouldReadAnEncodingSymbolItDoesNotKnowAsUnknown() {
    // A future writer adds an encoding; this reader must not mistake it for a known one.
    String json = AudioChunk.getClassSchema().toString()
        .replace("\"symbols\":[\"PCM_S16LE\",\"FLOAT32LE\",\"UNKNOWN\"]",
            "\"symbols\":[\"PCM_S16LE\",\"FLOAT32LE\",\"UNKNOWN\",\"PCM_S24LE\"]");
    Schema future = new Schema.Parser().parse(json);
    assertThat(future.toString()).contains("PCM_S24LE");
    AudioChunk written = RecordFixtures.audioChunk();
    org.apache.avro.generic.GenericRecord generic = new org.apache.avro.generic.GenericData.Record(future);
    for (Schema.Field f : future.getFields()) {
      generic.put(f.name(), written.get(f.name()));
    }
    generic.put("encoding", new org.apache.avro.generic.GenericData.EnumSymbol(
        future.getField("encoding").schema(), "PCM_S24LE"));
    try {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(bytes, null);
      new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericRecord>(future).write(generic, encoder);
      encoder.flush();
      var decoder = org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null);
      AudioChunk read = new org.apache.avro.specific.SpecificDatumReader<AudioChunk>(future, AudioChunk.getClassSchema())
          .read(null, decoder);
      assertThat(read.getEncoding()).isEqualTo(SampleEncoding.UNKNOWN);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void shouldLetAReaderOfV3ReadAnEventWithDetectedLabels() throws Exception {
    // v4 adds ClassificationEvent.detected: a consumer still on v3 reads new events without it
    Schema v3 = SchemaHistory.version("v3").get("ClassificationEvent");
    assertThat(v3.getField("detected")).isNull();
    ClassificationEvent written = RecordFixtures.classificationEvent();
    assertThat(written.getDetected()).isNotEmpty();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(bytes, null);
    new org.apache.avro.specific.SpecificDatumWriter<ClassificationEvent>(ClassificationEvent.class)
        .write(written, encoder);
    encoder.flush();
    var decoder = org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null);
    org.apache.avro.generic.GenericRecord read =
        new org.apache.avro.generic.GenericDatumReader<org.apache.avro.generic.GenericRecord>(
            ClassificationEvent.getClassSchema(), v3).read(null, decoder);
    assertThat(read.hasField("detected")).isFalse();
    assertThat(read.get("streamId").toString()).isEqualTo(written.getStreamId());
    assertThat(read.get("windowPolicy").toString()).isEqualTo(written.getWindowPolicy());
    assertThat((java.util.List<?>) read.get("topK")).hasSize(written.getTopK().size());
  }

  @Test
  void shouldReadAnEventWrittenWithV3WithNoDetectedLabels() {
    // a producer still on v3 (single-object encoding, its own fingerprint): detected defaults to []
    Schema v3 = SchemaHistory.version("v3").get("ClassificationEvent");
    ClassificationEvent current = RecordFixtures.classificationEvent();
    org.apache.avro.generic.GenericRecord old = new org.apache.avro.generic.GenericData.Record(v3);
    for (Schema.Field f : v3.getFields()) {
      old.put(f.name(), current.get(f.name()));
    }
    byte[] bytes;
    try {
      bytes = new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
          org.apache.avro.specific.SpecificData.get(), v3).encode(old).array();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    ClassificationEvent read = new AvroSingleObjectSerde<>(ClassificationEvent.class).decode(bytes);
    assertThat(read.getDetected()).isEmpty();
    assertThat(read.getTopK()).isEqualTo(current.getTopK());
    assertThat(read.getWindowPolicy()).isEqualTo(current.getWindowPolicy());
    assertThat(read.getStreamId()).isEqualTo(current.getStreamId());
  }

  @Test
  void shouldLetAReaderOfV4ReadANormalisedChunkWithItsOrderAndAV5ReaderReadAnOldOne() throws Exception {
    // v5 adds AudioChunk.order: a job still on v4 reads new chunks without it, and a v5 job reads
    // chunks an old normaliser wrote as having no verdict (null)
    Schema v4 = SchemaHistory.version("v4").get("AudioChunk");
    assertThat(v4.getField("order")).isNull();
    AudioChunk written = NormalisedAudio.chunk("feed", 7, 1_000, new float[] {0.5f},
        NormalisedAudio.order(OrderKind.RESTART));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(bytes, null);
    new org.apache.avro.specific.SpecificDatumWriter<AudioChunk>(AudioChunk.class).write(written, encoder);
    encoder.flush();
    org.apache.avro.generic.GenericRecord old = new org.apache.avro.generic.GenericDatumReader<
        org.apache.avro.generic.GenericRecord>(AudioChunk.getClassSchema(), v4)
        .read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    assertThat(old.hasField("order")).isFalse();
    assertThat(old.get("sequenceNumber")).isEqualTo(7L);

    byte[] v4Bytes = new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
        org.apache.avro.generic.GenericData.get(), v4).encode(old).array();
    AudioChunk read = new AvroSingleObjectSerde<>(AudioChunk.class).decode(v4Bytes);
    assertThat(read.getOrder()).isNull();
    assertThat(read.getSequenceNumber()).isEqualTo(7L);
  }

  @Test
  void shouldDetectABreakingChange() {
    // A new required field without a default: old data can no longer be read.
    Schema previous = SchemaHistory.previousVersionsOf("AudioChunk").get(0);
    String json = AudioChunk.getClassSchema().toString()
        .replace("{\"name\":\"channels\"", "{\"name\":\"gainDb\",\"type\":\"float\"},{\"name\":\"channels\"");
    Schema broken = new Schema.Parser().parse(json);
    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(broken, previous).getType())
        .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
  }

  private static void assertCompatible(String direction, Schema reader, Schema writer) {
    var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    assertThat(result.getType())
        .as(direction + " for " + reader.getName() + ": " + result.getDescription())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }
}
