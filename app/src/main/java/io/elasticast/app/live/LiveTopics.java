package io.elasticast.app.live;

import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.Incident;
import io.elasticast.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a deployment's output topics into a {@link FeedBoard} on a thread of its own: events,
 * incidents and dead letters, {@code read_committed} (what exactly-once consumers see), with a
 * throwaway consumer group so it never disturbs anyone's offsets. Every few seconds it also asks
 * the broker how far the job's consumer group is behind on the job's input topic.
 */
public final class LiveTopics implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LiveTopics.class);
  static final long LAG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);

  /** Where the topics are and whose lag to report. */
  public record Source(String bootstrapServers, Map<String, String> clientProperties,
      String eventsTopic, String incidentsTopic, String deadLettersTopic, String inputTopic,
      String jobGroupId, boolean fromBeginning) {}

  private final Source source;
  private final FeedBoard board;
  private final Consumer<Incident> onIncident;
  private final Consumer<ClassificationEvent> onEvent;
  private final Deserializer<ClassificationEvent> events;
  private final Deserializer<Incident> incidents;
  private final Deserializer<DeadLetter> deadLetters;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Admin admin;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  private LiveTopics(Source source, FeedBoard board, Consumer<Incident> onIncident,
      Consumer<ClassificationEvent> onEvent) {
    this.source = source;
    this.board = board;
    this.onIncident = onIncident;
    this.onEvent = onEvent;
    Topics topics = Topics.singleObject();
    events = topics.events.valueSerde().deserializer();
    incidents = topics.incidents.valueSerde().deserializer();
    deadLetters = topics.deadLetters.valueSerde().deserializer();
    Properties p = new Properties();
    p.putAll(source.clientProperties());
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, source.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "elasticast-watch-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, source.fromBeginning() ? "earliest" : "latest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    Properties a = new Properties();
    a.putAll(source.clientProperties());
    a.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, source.bootstrapServers());
    admin = Admin.create(a);
    thread = new Thread(this::run, "live-topics");
    thread.setDaemon(true);
  }

  /**
   * Starts reading. {@code onIncident} and {@code onEvent} are called on the reading thread for
   * every incident and event record, after the board has it (the terminal view prints a line per
   * OPEN and CLOSED; the demo's {@code --events} a line per window).
   */
  public static LiveTopics start(Source source, FeedBoard board, Consumer<Incident> onIncident,
      Consumer<ClassificationEvent> onEvent) {
    LiveTopics live = new LiveTopics(source, board, onIncident, onEvent);
    live.consumer.subscribe(List.of(source.eventsTopic(), source.incidentsTopic(),
        source.deadLettersTopic()));
    live.thread.start();
    return live;
  }

  /** Why reading stopped, or null while it runs. */
  public Throwable failure() {
    return failure;
  }

  private void run() {
    long nextLag = System.nanoTime();
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          accept(r);
        }
        if (System.nanoTime() >= nextLag) {
          board.setLag(lag());
          nextLag = System.nanoTime() + LAG_EVERY_NANOS;
        }
      }
    } catch (WakeupException e) {
      // close() woke the poll
    } catch (RuntimeException e) {
      failure = e;
      LOG.error("reading the output topics failed", e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private void accept(ConsumerRecord<String, byte[]> r) {
    long now = System.currentTimeMillis() * 1000;
    try {
      if (r.topic().equals(source.eventsTopic())) {
        ClassificationEvent e = events.deserialize(r.topic(), r.value());
        board.onEvent(e, now);
        onEvent.accept(e);
      } else if (r.topic().equals(source.incidentsTopic())) {
        Incident i = incidents.deserialize(r.topic(), r.value());
        board.onIncident(i, now);
        onIncident.accept(i);
      } else {
        board.onDeadLetter(deadLetters.deserialize(r.topic(), r.value()));
      }
    } catch (RuntimeException e) {
      // a record this view cannot decode (another writer's, a newer schema) must not stop the view
      LOG.warn("skipping undecodable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
          e.getMessage());
    }
  }

  /**
   * Records on the input topic past the job group's committed offsets (the job commits them on
   * each checkpoint, so this is at most one checkpoint interval stale); -1 when the group has
   * committed nothing yet or the broker cannot say.
   */
  long lag() {
    try {
      Map<TopicPartition, OffsetAndMetadata> committed = admin
          .listConsumerGroupOffsets(source.jobGroupId()).partitionsToOffsetAndMetadata()
          .get(5, TimeUnit.SECONDS);
      Set<TopicPartition> input = committed.keySet().stream()
          .filter(tp -> tp.topic().equals(source.inputTopic()) && committed.get(tp) != null)
          .collect(Collectors.toSet());
      if (input.isEmpty()) {
        return -1;
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin
          .listOffsets(input.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
          .all().get(5, TimeUnit.SECONDS);
      long lag = 0;
      for (TopicPartition tp : input) {
        lag += Math.max(0, ends.get(tp).offset() - committed.get(tp).offset());
      }
      return lag;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (Exception e) {
      return -1;
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    admin.close(Duration.ofSeconds(2));
  }
}
