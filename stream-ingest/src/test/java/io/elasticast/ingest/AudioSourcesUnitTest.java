package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioSourcesUnitTest {

  @TempDir Path dir;

  @Test
  void shouldTellUrlsFromPaths() {
    assertThat(AudioSources.isUrl("http://radio.example/live.mp3")).isTrue();
    assertThat(AudioSources.isUrl("rtsp://cam/audio")).isTrue();
    assertThat(AudioSources.isUrl("recordings/a.wav")).isFalse();
    assertThat(AudioSources.isUrl("-")).isFalse();
  }

  @Test
  void shouldNameFeedsAfterTheirSource() {
    assertThat(AudioSources.displayName("/data/street-noise.flac")).isEqualTo("street-noise");
    assertThat(AudioSources.displayName("-")).isEqualTo("stdin");
    assertThat(AudioSources.displayName("http://radio.example/live.mp3")).isEqualTo("radio.example_live.mp3");
  }

  @Test
  void shouldExpandADirectoryToItsAudioFilesInOrder() throws Exception {
    Files.createDirectories(dir.resolve("sub"));
    Files.write(dir.resolve("b.wav"), new byte[1]);
    Files.write(dir.resolve("sub/a.flac"), new byte[1]);
    Files.write(dir.resolve("readme.txt"), new byte[1]);
    assertThat(AudioSources.expand(List.of(dir.toString(), "-")))
        .containsExactly(dir.resolve("b.wav").toString(), dir.resolve("sub/a.flac").toString(), "-");
  }

  @Test
  void shouldRefuseADirectoryWithoutAudio() throws Exception {
    Files.write(dir.resolve("readme.txt"), new byte[1]);
    assertThatThrownBy(() -> AudioSources.expand(List.of(dir.toString())))
        .isInstanceOf(SourceException.class).hasMessageContaining("holds no audio files");
  }

  @Test
  void shouldNeedTheRawFormatForStdin() {
    assertThatThrownBy(() -> AudioSources.open("-", null))
        .isInstanceOf(SourceException.class).hasMessageContaining("--format");
  }
}
