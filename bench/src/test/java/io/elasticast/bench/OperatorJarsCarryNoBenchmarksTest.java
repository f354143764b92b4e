package io.elasticast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.elasticast.featurizer.FbankExtractor;
import io.elasticast.inference.OrtClassifier;
import io.elasticast.ingest.ChunkNormaliser;
import io.elasticast.schemas.SpectrogramWindow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Benchmarks live in this module only: the jars (or class directories) that the job and the
 * services run hold no benchmark class, no JMH reference and no benchmark script.
 */
class OperatorJarsCarryNoBenchmarksTest {

  @Test
  void shouldKeepBenchmarkCodeOutOfTheOperatorAndServiceArtifacts() throws Exception {
    for (Class<?> owner : List.of(OrtClassifier.class, FbankExtractor.class, ChunkNormaliser.class,
        SpectrogramWindow.class)) {
      Path artifact = Path.of(owner.getProtectionDomain().getCodeSource().getLocation().toURI());
      List<String> offending = new ArrayList<>();
      forEachEntry(artifact, (name, bytes) -> {
        String lower = name.toLowerCase();
        if (lower.contains("bench") || lower.endsWith(".py")
            || new String(bytes, StandardCharsets.ISO_8859_1).contains("org/openjdk/jmh")) {
          offending.add(name);
        }
      });
      assertThat(offending).as("benchmark code in " + artifact).isEmpty();
    }
  }

  interface EntryVisitor {
    void visit(String name, byte[] bytes) throws IOException;
  }

  private static void forEachEntry(Path artifact, EntryVisitor visitor) throws IOException {
    if (Files.isDirectory(artifact)) {
      try (Stream<Path> files = Files.walk(artifact)) {
        for (Path p : files.filter(Files::isRegularFile).toList()) {
          visitor.visit(artifact.relativize(p).toString(), Files.readAllBytes(p));
        }
      }
      return;
    }
    try (JarFile jar = new JarFile(artifact.toFile())) {
      for (JarEntry e : java.util.Collections.list(jar.entries())) {
        if (!e.isDirectory()) {
          try (InputStream in = jar.getInputStream(e)) {
            visitor.visit(e.getName(), in.readAllBytes());
          }
        }
      }
    }
  }
}
