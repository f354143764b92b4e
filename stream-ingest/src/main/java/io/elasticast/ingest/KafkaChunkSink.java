package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.Topic;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/** Produces chunks keyed by stream id, idempotently (no repeats on retry) and compressed. */
public final class KafkaChunkSink implements ChunkSink {

  private final KafkaProducer<String, AudioChunk> producer;
  private final String topic;

  public KafkaChunkSink(String bootstrapServers, Topic<String, AudioChunk> topic) {
    this(producerProperties(bootstrapServers), topic);
  }

  /** With the given producer properties (start from {@link #producerProperties}). */
  public KafkaChunkSink(Properties properties, Topic<String, AudioChunk> topic) {
    this.topic = topic.name();
    this.producer = new KafkaProducer<>(properties, topic.keySerde().serializer(),
        topic.valueSerde().serializer());
  }

  public static Properties producerProperties(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // no compression: PCM samples barely compress, and every batch would be compressed here and
    // decompressed again by the broker (to validate it) and by each reader
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    // Chunks of many feeds leave at once every 100 ms; a short linger batches them together.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "elasticast-ingest");
    // Fail a send that cannot reach a broker within a minute instead of retrying for ever.
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    return p;
  }

  @Override
  public void send(AudioChunk chunk, Consumer<Exception> onFailure) {
    try {
      producer.send(new ProducerRecord<>(topic, chunk.getStreamId(), chunk), (meta, e) -> {
        if (e != null) {
          onFailure.accept(e);
        }
      });
    } catch (KafkaException e) {
      onFailure.accept(e);
    }
  }

  /** For {@link IngestMetrics}: the producer's own metrics. */
  KafkaProducer<String, AudioChunk> producer() {
    return producer;
  }

  @Override
  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }
}
