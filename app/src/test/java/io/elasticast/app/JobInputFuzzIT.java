package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.AvroSingleObjectSerde;
import io.elasticast.schemas.ClassificationEvent;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.SampleEncoding;
import io.elasticast.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz at both entry points while a good feed plays: more than 1,000 malformed records of every
 * kind go to {@code audio.raw} (the normaliser) and to {@code audio.normalised} (the job). Every
 * bad record must come out as exactly one dead letter naming its topic, partition and offset with
 * a reason; every window of the good feed must arrive exactly once (read_committed); and the job,
 * run without any restart strategy, must still be RUNNING, so it never failed.
 */
class JobInputFuzzIT {

  static final String GOOD = "good-feed";
  static final int GOOD_CHUNKS = 100; // 10 s of 100 ms chunks
  static final int BAD_PER_TOPIC = 1_100;
  static final AvroSingleObjectSerde<AudioChunk> SERDE = new AvroSingleObjectSerde<>(AudioChunk.class);

  /** A record that some rule of the pipeline must refuse. */
  record Bad(String kind, byte[] key, byte[] value) {}

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void shouldDeadLetterEveryMalformedRecordAndKeepTheGoodFeedWhole() throws Exception {
    try (LocalPipeline pipeline = LocalPipeline.startBroker().startNormaliser(LocalPipeline.quiet())) {
      JobConfig config = pipeline.jobConfig(JobConfig.defaults());
      config.checkpoints.intervalMs = 500;
      config.kafka.groupId = "fuzz";
      config.sink.transactionalIdPrefix = "fuzz";
      config.inference.modelDir = java.nio.file.Path.of("..", "model", "artifacts").toAbsolutePath().toString();
      Configuration noRestarts = new Configuration();
      noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
      var job = pipeline.startJob(ElasticAstJob.onKafka(config.validate()), noRestarts);

      List<AudioChunk> good = AudioFixtures.chunks(GOOD, GOOD_CHUNKS);
      Random random = new Random(14);
      Set<String> expectedDead = new HashSet<>();
      Map<String, String> kindOf = new HashMap<>();
      Set<String> goodNormalisedOffsets = new HashSet<>();
      try (KafkaProducer<byte[], byte[]> producer = producer(pipeline.bootstrapServers())) {
        // the feed is heard before the attacks on it begin, so its first chunk is a real one
        for (AudioChunk c : good.subList(0, 30)) {
          send(producer, Topics.AUDIO_RAW_NAME, key(GOOD), SERDE.encode(c)).get();
        }
        awaitEvents(pipeline, config, 1);

        List<Bad> raw = attacks(random, good, true);
        List<Bad> norm = attacks(random, good, false);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<String> sentKinds = new ArrayList<>();
        int g = 30;
        for (int i = 0; i < Math.max(raw.size(), norm.size()); i++) {
          if (i % 16 == 0 && g < GOOD_CHUNKS) {
            send(producer, Topics.AUDIO_RAW_NAME, key(GOOD), SERDE.encode(good.get(g++)));
          }
          if (i < raw.size()) {
            sent.add(send(producer, Topics.AUDIO_RAW_NAME, raw.get(i).key(), raw.get(i).value()));
            sentKinds.add("raw " + raw.get(i).kind());
          }
          if (i < norm.size()) {
            sent.add(send(producer, Topics.AUDIO_NORMALISED_NAME, norm.get(i).key(), norm.get(i).value()));
            sentKinds.add("normalised " + norm.get(i).kind());
          }
        }
        while (g < GOOD_CHUNKS) {
          send(producer, Topics.AUDIO_RAW_NAME, key(GOOD), SERDE.encode(good.get(g++)));
        }
        producer.flush();
        for (int i = 0; i < sent.size(); i++) {
          RecordMetadata m = sent.get(i).get();
          String where = m.topic() + "/" + m.partition() + "/" + m.offset();
          expectedDead.add(where);
          kindOf.put(where, sentKinds.get(i));
        }
        // one oversized record, compressed so the broker takes it: its dead letter must still fit
        sendHuge(pipeline.bootstrapServers(), expectedDead, kindOf);
      }
      System.out.printf("fuzz: %d malformed records sent to %s and %s%n", expectedDead.size(),
          Topics.AUDIO_RAW_NAME, Topics.AUDIO_NORMALISED_NAME);

      List<ConsumerRecord<String, DeadLetter>> letters = KafkaClients.consume(
          pipeline.bootstrapServers(), pipeline.topics().deadLetters, "read_committed",
          expectedDead.size(), Duration.ofSeconds(3), Duration.ofSeconds(150));
      Map<String, DeadLetter> byWhere = new HashMap<>();
      for (var r : letters) {
        DeadLetter d = r.value();
        String where = d.getSourceTopic() + "/" + d.getSourcePartition() + "/" + d.getSourceOffset();
        assertThat(byWhere.put(where, d)).as("one dead letter per record, " + where).isNull();
      }
      Set<String> missing = new HashSet<>(expectedDead);
      missing.removeAll(byWhere.keySet());
      assertThat(missing).as("bad records without a dead letter (kinds: %s)",
          missing.stream().map(kindOf::get).distinct().toList()).isEmpty();
      assertThat(byWhere.keySet()).as("dead letters for good records").isSubsetOf(expectedDead);
      assertThat(byWhere.values()).allSatisfy(d -> {
        assertThat(d.getReason()).isNotEqualTo(DeadLetterReason.UNKNOWN);
        assertThat(d.getMessage()).isNotBlank();
        assertThat(d.toByteBuffer().remaining()).as("dead letter size").isLessThan(1_000_000);
      });
      Map<String, Long> reasons = new java.util.TreeMap<>();
      byWhere.values().forEach(d -> reasons.merge(d.getReason().name(), 1L, Long::sum));
      System.out.println("fuzz: dead letters by reason " + reasons);

      // every window of the good feed, exactly once
      List<AudioChunk> normalisedGood = KafkaClients.consume(pipeline.bootstrapServers(),
              new io.elasticast.schemas.Topic<>(Topics.AUDIO_NORMALISED_NAME,
                  org.apache.kafka.common.serialization.Serdes.String(),
                  org.apache.kafka.common.serialization.Serdes.ByteArray()), "read_committed", 1, Duration.ofSeconds(2),
              Duration.ofSeconds(30)).stream()
          .filter(r -> !expectedDead.contains(r.topic() + "/" + r.partition() + "/" + r.offset()))
          .filter(r -> GOOD.equals(r.key()))
          .map(r -> SERDE.decode(r.value()))
          .sorted(java.util.Comparator.comparingLong(AudioChunk::getSequenceNumber)).toList();
      assertThat(normalisedGood).hasSize(GOOD_CHUNKS);
      List<String> expectedWindows = EndToEndContract.expectedWindowKeys(config, Map.of(GOOD, normalisedGood));
      List<ClassificationEvent> events = readGoodEvents(pipeline, config, expectedWindows.size());
      assertThat(EndToEndContract.windowKeys(events)).containsExactlyInAnyOrderElementsOf(expectedWindows);

      assertThat(job.getJobStatus().get(30, TimeUnit.SECONDS)).as("the job never failed")
          .isEqualTo(JobStatus.RUNNING);
    }
  }

  /** The attacks for one entry point, cycling through every kind until there are enough. */
  static List<Bad> attacks(Random random, List<AudioChunk> good, boolean raw) {
    AudioChunk template = good.get(40);
    long t = template.getEventTimeStartMicros();
    Map<String, IntFunction<Bad>> kinds = new java.util.LinkedHashMap<>();
    kinds.put("random-bytes", i -> new Bad("random-bytes", key("x" + i), bytes(random, 1 + random.nextInt(400))));
    kinds.put("header-then-garbage", i -> {
      byte[] v = SERDE.encode(template);
      for (int b = 10; b < v.length; b++) {
        v[b] = (byte) random.nextInt();
      }
      return new Bad("header-then-garbage", key(GOOD), java.util.Arrays.copyOf(v, 10 + random.nextInt(200)));
    });
    kinds.put("empty", i -> new Bad("empty", key(GOOD), new byte[0]));
    kinds.put("null", i -> new Bad("null", key(GOOD), null));
    kinds.put("key-mismatch", i -> new Bad("key-mismatch", key("other-" + i), SERDE.encode(
        chunk(template, GOOD, 40, t))));
    kinds.put("future-time", i -> new Bad("future-time", key(GOOD), SERDE.encode(
        chunk(template, GOOD, 40, (System.currentTimeMillis() + Duration.ofDays(3650).toMillis()) * 1000))));
    kinds.put("negative-time", i -> new Bad("negative-time", key(GOOD), SERDE.encode(
        chunk(template, GOOD, 40, -1_000_000L * (1 + i)))));
    kinds.put("huge-sequence", i -> new Bad("huge-sequence", key(GOOD), SERDE.encode(
        chunk(template, GOOD, i % 2 == 0 ? Long.MAX_VALUE : (1L << 40) + i, t))));
    kinds.put("negative-sequence", i -> new Bad("negative-sequence", key(GOOD), SERDE.encode(
        chunk(template, GOOD, -1 - i, t))));
    kinds.put("non-finite", i -> {
      AudioChunk c = chunk(template, GOOD, 40, t);
      ByteBuffer p = ByteBuffer.allocate(1_600 * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int s = 0; s < 1_600; s++) {
        p.putFloat(s == 800 ? Float.NaN : 0f);
      }
      c.setPayload(p.flip());
      return new Bad("non-finite", key(GOOD), SERDE.encode(c));
    });
    if (raw) {
      kinds.put("bad-sample-rate", i -> {
        AudioChunk c = chunk(template, GOOD, 40, t);
        c.setSampleRate(7_000);
        return new Bad("bad-sample-rate", key(GOOD), SERDE.encode(c));
      });
    } else {
      kinds.put("not-normalised", i -> {
        AudioChunk c = chunk(template, GOOD, 40, t);
        c.setChannels(2);
        return new Bad("not-normalised", key(GOOD), SERDE.encode(c));
      });
    }
    List<Bad> out = new ArrayList<>();
    List<IntFunction<Bad>> all = new ArrayList<>(kinds.values());
    for (int i = 0; out.size() < BAD_PER_TOPIC; i++) {
      out.add(all.get(i % all.size()).apply(i));
    }
    // a few chunks longer than the 10 s limit (each is hundreds of kB, so not a thousand of them)
    for (int i = 0; i < 8; i++) {
      AudioChunk c = chunk(template, GOOD, 40, t);
      c.setPayload(ByteBuffer.allocate(16_000 * 11 * 4));
      out.add(50 * i + 7, new Bad("too-long", key(GOOD), SERDE.encode(c)));
    }
    return out;
  }

  static AudioChunk chunk(AudioChunk template, String stream, long seq, long startMicros) {
    return AudioChunk.newBuilder(template).setStreamId(stream).setSequenceNumber(seq)
        .setEventTimeStartMicros(startMicros).setPayload(template.getPayload().duplicate()).build();
  }

  /** A 20 MB raw chunk (PCM silence, 10 min at 16 kHz), lz4-compressed to a few kB on the wire. */
  static void sendHuge(String bootstrap, Set<String> expectedDead, Map<String, String> kindOf)
      throws Exception {
    Properties p = producerProperties(bootstrap);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 32 * 1024 * 1024);
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
    AudioChunk huge = AudioChunk.newBuilder().setStreamId("huge").setSequenceNumber(0)
        .setEventTimeStartMicros(AudioFixtures.START_MICROS).setSampleRate(16_000).setChannels(1)
        .setEncoding(SampleEncoding.PCM_S16LE).setPayload(ByteBuffer.allocate(20 * 1024 * 1024))
        .setSourceMetadata(null).build();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      RecordMetadata m = producer.send(new ProducerRecord<>(Topics.AUDIO_RAW_NAME, key("huge"),
          SERDE.encode(huge))).get();
      String where = m.topic() + "/" + m.partition() + "/" + m.offset();
      expectedDead.add(where);
      kindOf.put(where, "raw huge-lz4");
    }
  }

  static void awaitEvents(LocalPipeline pipeline, JobConfig config, int n) {
    List<ClassificationEvent> got = KafkaClients.consume(pipeline.bootstrapServers(),
        pipeline.topics().events.withName(config.topics.events), "read_committed", n,
        Duration.ZERO, Duration.ofSeconds(120)).stream().map(ConsumerRecord::value).toList();
    assertThat(got).as("first events of the good feed").hasSizeGreaterThanOrEqualTo(n);
  }

  static List<ClassificationEvent> readGoodEvents(LocalPipeline pipeline, JobConfig config, int n) {
    return KafkaClients.consume(pipeline.bootstrapServers(),
            pipeline.topics().events.withName(config.topics.events), "read_committed", n,
            Duration.ofSeconds(3), Duration.ofSeconds(120)).stream()
        .map(ConsumerRecord::value).filter(e -> e.getStreamId().equals(GOOD)).toList();
  }

  static Properties producerProperties(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(producerProperties(bootstrap));
  }

  static Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, String topic, byte[] key,
      byte[] value) {
    return producer.send(new ProducerRecord<>(topic, key, value));
  }

  static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}
