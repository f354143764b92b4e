package io.elasticast.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSingleObjectSerdeUnitTest {

  private static <T extends SpecificRecord> T roundTrip(Class<T> type, T record) {
    AvroSingleObjectSerde<T> serde = new AvroSingleObjectSerde<>(type);
    byte[] bytes = serde.serializer().serialize("t", record);
    // Single-object encoding: marker C3 01, then the schema's 8-byte fingerprint.
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    return serde.deserializer().deserialize("t", bytes);
  }

  @Test
  void shouldRoundTripAudioChunk() {
    AudioChunk chunk = RecordFixtures.audioChunk();
    assertThat(roundTrip(AudioChunk.class, chunk)).isEqualTo(chunk);
  }

  @Test
  void shouldRoundTripClassificationEvent() {
    ClassificationEvent event = RecordFixtures.classificationEvent();
    assertThat(roundTrip(ClassificationEvent.class, event)).isEqualTo(event);
  }

  @Test
  void shouldRoundTripIncidentOpenAndClosed() {
    Incident closed = RecordFixtures.incident();
    assertThat(roundTrip(Incident.class, closed)).isEqualTo(closed);
    Incident open = Incident.newBuilder(closed).setState(IncidentState.OPEN).setEndMicros(null).build();
    assertThat(roundTrip(Incident.class, open)).isEqualTo(open);
  }

  @Test
  void shouldRoundTripDeadLetter() {
    DeadLetter dl = RecordFixtures.deadLetter();
    assertThat(roundTrip(DeadLetter.class, dl)).isEqualTo(dl);
  }

  @Test
  void shouldRejectBytesOfAnotherRecordTypeWithAClearError() {
    byte[] event = new AvroSingleObjectSerde<>(ClassificationEvent.class)
        .serialize("t", RecordFixtures.classificationEvent());
    AvroSingleObjectSerde<AudioChunk> chunks = new AvroSingleObjectSerde<>(AudioChunk.class);
    assertThatThrownBy(() -> chunks.deserialize("t", event))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("AudioChunk");
  }

  @Test
  void shouldRejectGarbageAndTruncatedRecords() {
    AvroSingleObjectSerde<AudioChunk> serde = new AvroSingleObjectSerde<>(AudioChunk.class);
    byte[] good = serde.serialize("t", RecordFixtures.audioChunk());
    assertThatThrownBy(() -> serde.deserialize("t", "hello".getBytes()))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> serde.deserialize("t", Arrays.copyOf(good, good.length - 5)))
        .isInstanceOf(SerializationException.class);
    assertThat(serde.deserialize("t", null)).isNull();
  }

  @Test
  void shouldPickTheSingleObjectFactoryByDefaultAndRefuseUnknownFormats() {
    assertThat(SerdeFactory.fromConfig(Map.of()).name()).isEqualTo(SerdeFactory.SINGLE_OBJECT);
    assertThatThrownBy(() -> SerdeFactory.fromConfig(Map.of(SerdeFactory.CONFIG_FORMAT, "registry")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("registry")
        .hasMessageContaining(SerdeFactory.SINGLE_OBJECT);
  }

  @Test
  void shouldGiveEveryTopicAKeyAndValueSerde() {
    Topics topics = Topics.singleObject();
    assertThat(topics.audioRaw.name()).isEqualTo(Topics.AUDIO_RAW_NAME);
    byte[] bytes = topics.deadLetters.valueSerde().serializer().serialize("x", RecordFixtures.deadLetter());
    assertThat(topics.deadLetters.valueSerde().deserializer().deserialize("x", bytes))
        .isEqualTo(RecordFixtures.deadLetter());
    assertThat(topics.events.withName("e2").name()).isEqualTo("e2");
  }

  @Test
  void shouldRefuseALengthPrefixClaimingMoreThanAnyOfOurFieldsWithoutAllocatingIt() {
    AvroSingleObjectSerde<AudioChunk> serde = new AvroSingleObjectSerde<>(AudioChunk.class);
    byte[] valid = serde.encode(RecordFixtures.audioChunk());
    byte[] bad = java.util.Arrays.copyOf(valid, 20);
    // the stream id's length prefix claims 1.5 GB (zig-zag varint of 1_500_000_000)
    long n = 3_000_000_000L;
    int i = 10;
    while ((n & ~0x7FL) != 0) {
      bad[i++] = (byte) ((n & 0x7F) | 0x80);
      n >>>= 7;
    }
    bad[i] = (byte) n;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> serde.decode(bad))
        .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
        .hasMessageContaining("AudioChunk");
  }
}
