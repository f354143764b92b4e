package io.elasticast.app.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How long after their Kafka timestamp the records of one topic become readable, as a consumer
 * with the given isolation level sees them: for the raw and normalised audio topics, the time from
 * ingest handing a chunk to its producer (the record's create time, which the normaliser keeps) to
 * the chunk being readable by the job; and, where given a way to read a record's audio end time
 * from its value, how far behind that end the record became readable (what pacing, batching and
 * the hops add to the audio's own clock). Reads from the end of the topic on, on a thread of its
 * own, until {@link #close}.
 */
public final class TopicLatencyProbe implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final List<Long> millis = new ArrayList<>();
  private final List<Long> behindAudio = new ArrayList<>();
  private final ToLongFunction<byte[]> audioEndMillis;
  private volatile boolean running = true;

  /** @param audioEndMillis the end of a record's audio (epoch ms) from its value; null for none */
  public TopicLatencyProbe(String bootstrapServers, String topic, boolean readCommitted,
      ToLongFunction<byte[]> audioEndMillis) {
    this.audioEndMillis = audioEndMillis;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-probe-" + UUID.randomUUID());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
    consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
        .map(info -> new TopicPartition(topic, info.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    thread = new Thread(this::poll, "latency-probe-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  private void poll() {
    while (running) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
        long now = System.currentTimeMillis();
        synchronized (millis) {
          millis.add(now - r.timestamp());
          if (audioEndMillis != null) {
            behindAudio.add(now - audioEndMillis.applyAsLong(r.value()));
          }
        }
      }
    }
  }

  /** Milliseconds from each record's timestamp to its being read, in reading order. */
  public List<Long> sinceSent() {
    synchronized (millis) {
      return List.copyOf(millis);
    }
  }

  /** Milliseconds from each record's audio end to its being read (empty without a way to read it). */
  public List<Long> behindAudio() {
    synchronized (millis) {
      return List.copyOf(behindAudio);
    }
  }

  /** Stops reading (what was read stays available). */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close(Duration.ofSeconds(2));
  }
}
