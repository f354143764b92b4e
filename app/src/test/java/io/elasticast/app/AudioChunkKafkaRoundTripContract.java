package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Avro AudioChunks through a real broker; run against the embedded broker and a container. */
abstract class AudioChunkKafkaRoundTripContract {

  abstract String bootstrapServers();

  @Test
  void shouldProduceAndConsumeAvroAudioChunksUnchangedAndKeyedByStream() throws Exception {
    Topics topics = Topics.singleObject();
    KafkaClients.createTopic(bootstrapServers(), topics.audioRaw.name(), 3);
    List<AudioChunk> sent = new ArrayList<>();
    for (String feed : List.of("feed-a", "feed-b", "feed-c")) {
      sent.addAll(AudioFixtures.chunks(feed, 20));
    }
    KafkaClients.produce(bootstrapServers(), topics.audioRaw, sent, c -> c.getStreamId());

    List<ConsumerRecord<String, AudioChunk>> got = KafkaClients.consume(bootstrapServers(),
        topics.audioRaw, "read_committed", sent.size(), Duration.ofMillis(500), Duration.ofSeconds(60));

    assertThat(got).hasSize(sent.size());
    assertThat(got).allSatisfy(r -> assertThat(r.key()).isEqualTo(r.value().getStreamId()));
    // One feed, one partition: each feed's chunks arrive in sequence order.
    for (String feed : List.of("feed-a", "feed-b", "feed-c")) {
      List<Long> seqs = got.stream().filter(r -> r.key().equals(feed))
          .map(r -> r.value().getSequenceNumber()).toList();
      assertThat(seqs).isSortedAccordingTo(Comparator.naturalOrder()).hasSize(20);
      assertThat(got.stream().filter(r -> r.key().equals(feed)).map(ConsumerRecord::partition).distinct())
          .hasSize(1);
    }
    assertThat(got.stream().map(ConsumerRecord::value).toList()).containsExactlyInAnyOrderElementsOf(sent);
  }
}
