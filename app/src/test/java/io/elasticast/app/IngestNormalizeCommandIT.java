package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.kafka.EmbeddedKafkaBroker;
import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.Topics;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo's commands on a real broker: {@code normalize} running, {@code ingest} a WAV and a missing file. */
class IngestNormalizeCommandIT {

  @TempDir Path dir;

  @Test
  void shouldNormaliseWhatIngestSendsAndReportTheMissingFile() throws Exception {
    Topics topics = Topics.singleObject();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      String bootstrap = broker.bootstrapServers();
      broker.createTopics(Map.of(Topics.AUDIO_RAW_NAME, 2, Topics.AUDIO_NORMALISED_NAME, 2,
          Topics.DEAD_LETTERS_NAME, 1));

      NormalizeCommand normalize = new NormalizeCommand();
      CommandLine normalizeCli = new CommandLine(normalize);
      StringWriter normalizeOut = new StringWriter();
      normalizeCli.setOut(new PrintWriter(normalizeOut, true));
      CompletableFuture<Integer> normalizeExit = CompletableFuture.supplyAsync(() -> normalizeCli.execute(
          "--bootstrap-servers", bootstrap, "--state-dir", dir.resolve("state").toString(),
          "--application-id", "normalize-it-" + UUID.randomUUID()));

      Path wav = writeWav(dir.resolve("demo.wav"), 48_000, 0.5);
      CommandLine ingestCli = ElasticAstCli.commandLine();
      StringWriter ingestErr = new StringWriter();
      ingestCli.setErr(new PrintWriter(ingestErr, true));
      int ingestExit = ingestCli.execute("ingest", "--bootstrap-servers", bootstrap, "--no-pace",
          wav.toString(), dir.resolve("missing.wav").toString());

      assertThat(ingestExit).isEqualTo(1);
      assertThat(ingestErr.toString()).contains("missing.wav: no such file")
          .containsPattern("demo +0\\.5 s +5 chunks +ok").doesNotContain("\tat ");

      var normalised = KafkaClients.consume(bootstrap, topics.audioNormalised, "read_committed", 5,
          Duration.ofSeconds(1), Duration.ofSeconds(90));
      assertThat(normalised).hasSize(5).allSatisfy(r -> {
        AudioChunk c = r.value();
        assertThat(c.getStreamId()).isEqualTo("demo");
        assertThat(c.getSampleRate()).isEqualTo(16_000);
        assertThat(c.getChannels()).isEqualTo(1);
      });

      normalize.stop.countDown();
      assertThat(normalizeExit.get(60, TimeUnit.SECONDS)).isZero();
      assertThat(normalizeOut.toString()).contains("normalised=5");
    }
  }

  static Path writeWav(Path path, int rate, double seconds) throws Exception {
    int frames = (int) (rate * seconds);
    ByteBuffer pcm = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < frames; i++) {
      short v = (short) (8_000 * Math.sin(2 * Math.PI * 440 * i / rate));
      pcm.putShort(v).putShort(v);
    }
    AudioFormat format = new AudioFormat(rate, 16, 2, true, false);
    try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(pcm.array()), format, frames)) {
      AudioSystem.write(in, AudioFileFormat.Type.WAVE, path.toFile());
    }
    assertThat(Files.size(path)).isPositive();
    return path;
  }
}
