package io.elasticast.ingest;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;

/** Kafka Streams configuration of the normaliser. */
public final class NormaliserConfig {

  public static final String DEFAULT_APPLICATION_ID = "elasticast-normaliser";
  /** Exactly-once commits every 100 ms by default; that bounds the latency it adds to each chunk. */
  public static final int COMMIT_INTERVAL_MS = 100;

  private NormaliserConfig() {}

  public static Properties properties(String bootstrapServers, String applicationId, Path stateDir,
      int threads) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    // Output, dead letters, state changelog and input offsets commit together or not at all.
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    // Every topic is read and written with explicit serdes; bytes are the honest default.
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // float samples do not compress: lz4 only cost CPU here, in the broker and in the job
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "none");
    return p;
  }

  public static Properties properties(String bootstrapServers) {
    return properties(bootstrapServers, DEFAULT_APPLICATION_ID,
        Path.of(System.getProperty("java.io.tmpdir"), "elasticast-normaliser-state"), 1);
  }
}
