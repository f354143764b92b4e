package io.elasticast.app.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.featurizer.SourcedChunk;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.AvroSingleObjectSerde;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.EventTimeBounds;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class SourcedChunkDeserializerTest {

  static final long NOW = 1_800_000_000_000L;
  final SourcedChunkDeserializer reader = new SourcedChunkDeserializer(EventTimeBounds.defaults());
  final AvroSingleObjectSerde<AudioChunk> serde = new AvroSingleObjectSerde<>(AudioChunk.class);

  static AudioChunk chunk(long startMicros) {
    return AudioChunk.newBuilder().setStreamId("feed").setSequenceNumber(3)
        .setEventTimeStartMicros(startMicros).setSampleRate(16_000).setChannels(1)
        .setEncoding(SampleEncoding.FLOAT32LE).setPayload(ByteBuffer.allocate(64))
        .setSourceMetadata(null).build();
  }

  static ConsumerRecord<byte[], byte[]> record(byte[] value) {
    return new ConsumerRecord<>("audio.normalised", 2, 17L, "feed".getBytes(), value);
  }

  @Test
  void shouldReadAGoodChunkWithItsCoordinates() {
    SourcedChunk s = reader.read(record(serde.encode(chunk(NOW * 1000))), NOW);
    assertThat(s.rejectReason).isNull();
    assertThat(s.chunk.getSequenceNumber()).isEqualTo(3L);
    assertThat(s.topic).isEqualTo("audio.normalised");
    assertThat(s.partition).isEqualTo(2);
    assertThat(s.offset).isEqualTo(17L);
    assertThat(s.eventTimeMillis()).isEqualTo(NOW);
  }

  @Test
  void shouldNeverThrowOnNullEmptyOrGarbageValues() {
    Random random = new Random(1);
    byte[] header = serde.encode(chunk(NOW * 1000));
    for (int i = 0; i < 2_000; i++) {
      byte[] v = i % 2 == 0 ? new byte[random.nextInt(300)] : java.util.Arrays.copyOf(header, random.nextInt(header.length));
      if (i % 2 == 0) {
        random.nextBytes(v);
      } else {
        for (int b = 10; b < v.length; b++) {
          v[b] = (byte) random.nextInt();
        }
      }
      SourcedChunk s = reader.read(record(v), NOW);
      if (s.rejectReason == null) {
        // garbage can decode by chance; then it is an ordinary chunk for the gate to judge
        assertThat(s.chunk).isNotNull();
      } else {
        assertThat(s.rejectMessage).isNotBlank();
        assertThat(s.eventTimeMillis()).isEqualTo(Long.MIN_VALUE);
      }
    }
    assertThat(reader.read(record(null), NOW).rejectMessage).contains("no value");
    assertThat(reader.read(record(new byte[0]), NOW).rejectMessage).contains("empty");
    assertThat(reader.read(record(new byte[] {1, 2, 3}), NOW).value).containsExactly(1, 2, 3);
  }

  @Test
  void shouldRefuseEventTimesOutsideTheBoundsSoTheyNeverMoveTheWatermark() {
    long future = (NOW + Duration.ofDays(3650).toMillis()) * 1000;
    SourcedChunk s = reader.read(record(serde.encode(chunk(future))), NOW);
    assertThat(s.rejectReason).isEqualTo(DeadLetterReason.BAD_EVENT_TIME);
    assertThat(s.eventTimeMillis()).isEqualTo(Long.MIN_VALUE);
    assertThat(reader.read(record(serde.encode(chunk(-1))), NOW).rejectReason)
        .isEqualTo(DeadLetterReason.BAD_EVENT_TIME);
  }

  @Test
  void shouldWriteOnlyTimestampsTheBrokerAccepts() {
    assertThat(AvroRecordSerializer.brokerSafe(null, NOW)).isNull();
    assertThat(AvroRecordSerializer.brokerSafe(Long.MIN_VALUE, NOW)).isNull();
    assertThat(AvroRecordSerializer.brokerSafe(-5L, NOW)).isNull();
    assertThat(AvroRecordSerializer.brokerSafe(NOW - 10, NOW)).isEqualTo(NOW - 10);
    assertThat(AvroRecordSerializer.brokerSafe(NOW + Duration.ofDays(3650).toMillis(), NOW)).isEqualTo(NOW);
  }

  @Test
  void shouldNameItsTopicForThePoolingTransactionNaming() {
    var serializer = new AvroRecordSerializer<>("classifications", AudioChunk.class,
        c -> c.getStreamId().toString());
    assertThat(serializer.getKafkaDatasetFacet()).hasValueSatisfying(f ->
        assertThat(f.getTopicIdentifier().getTopics()).containsExactly("classifications"));
  }
}
