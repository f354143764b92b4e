package io.elasticast.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The committed earlier versions of our record schemas ({@code history/vN/*.avsc} on the
 * classpath). When a schema changes, copy the released files to a new {@code vN} folder: the
 * compatibility test then checks every version, and decoders accept records written with any of them.
 */
public final class SchemaHistory {

  /** Released versions, oldest first. Add one when a schema change is released. */
  public static final List<String> VERSIONS = List.of("v1", "v2", "v3", "v4", "v5");

  /** Files of each version, in dependency order (named types before the records that use them). */
  public static final List<String> FILES = List.of(
      "SampleEncoding.avsc", "DeadLetterReason.avsc", "LabelScore.avsc", "PackStats.avsc",
      "IncidentState.avsc", "StreamOrder.avsc", "AudioChunk.avsc", "ClassificationEvent.avsc", "DeadLetter.avsc",
      "Incident.avsc");

  /**
   * The version that first released each file not in v1. Versions before it are read without the
   * file (a missing file of any other version is still an error, so a typo cannot hide a schema).
   */
  static final Map<String, String> FIRST_RELEASED_IN = Map.of(
      "IncidentState.avsc", "v2", "Incident.avsc", "v2", "StreamOrder.avsc", "v5");

  private SchemaHistory() {}

  /** All named schemas of one released version, by simple name. */
  public static Map<String, Schema> version(String version) {
    Schema.Parser parser = new Schema.Parser();
    for (String file : FILES) {
      if (!released(file, version)) {
        continue;
      }
      String resource = "history/" + version + "/" + file;
      try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("missing schema history resource " + resource);
        }
        parser.parse(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + resource, e);
      }
    }
    Map<String, Schema> byName = new java.util.TreeMap<>();
    parser.getTypes().forEach((fullName, schema) -> byName.put(schema.getName(), schema));
    return byName;
  }

  /** Whether {@code version} is at or after the version that first released {@code file}. */
  static boolean released(String file, String version) {
    String first = FIRST_RELEASED_IN.get(file);
    return first == null || VERSIONS.indexOf(version) >= VERSIONS.indexOf(first);
  }

  /** Every released version of the named record, oldest first (skipping versions that lack it). */
  public static List<Schema> previousVersionsOf(String simpleName) {
    List<Schema> result = new ArrayList<>();
    for (String v : VERSIONS) {
      Schema s = version(v).get(simpleName);
      if (s != null) {
        result.add(s);
      }
    }
    return result;
  }
}
