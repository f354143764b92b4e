package io.elasticast.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metrics table of {@code docs/metrics.md}, the one place every metric name is written down:
 * tests read it instead of repeating names, so a metric renamed in the code or the doc fails them.
 */
final class MetricsDoc {

  static final Path FILE = Path.of("..", "docs", "metrics.md").toAbsolutePath().normalize();

  /** One table row: which process serves it, the name as scraped, its type and labels. */
  record Row(String process, String name, String type, List<String> labels) {}

  private static final Pattern ROW = Pattern.compile(
      "^\\|\\s*(job|normaliser|ingest)\\s*\\|\\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\\s*\\|\\s*([^|]+?)\\s*\\|\\s*([^|]*?)\\s*\\|.*\\|\\s*$");

  private MetricsDoc() {}

  static List<Row> rows() throws IOException {
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(FILE)) {
      Matcher m = ROW.matcher(line);
      if (m.matches()) {
        List<String> labels = new ArrayList<>();
        Matcher l = Pattern.compile("`([a-zA-Z_][a-zA-Z0-9_]*)`").matcher(m.group(4));
        while (l.find()) {
          labels.add(l.group(1));
        }
        rows.add(new Row(m.group(1), m.group(2), m.group(3).trim(), labels));
      }
    }
    return rows;
  }

  /** Documented names, each once. */
  static List<String> names() throws IOException {
    return rows().stream().map(Row::name).distinct().toList();
  }

  /** Sample name → every label name its samples carry, in a Prometheus text scrape. */
  static java.util.Map<String, java.util.Set<String>> sampleLabels(String scrape) {
    java.util.Map<String, java.util.Set<String>> labels = new java.util.HashMap<>();
    Pattern key = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    for (String line : scrape.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      String name = line.substring(0, brace >= 0 && (space < 0 || brace < space) ? brace : space);
      java.util.Set<String> keys = labels.computeIfAbsent(name, n -> new java.util.HashSet<>());
      if (brace >= 0) {
        Matcher m = key.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
        while (m.find()) {
          keys.add(m.group(1));
        }
      }
    }
    return labels;
  }

  /**
   * Sample names in a Prometheus text scrape: {@code name{labels} value} or {@code name value}
   * (comments and blank lines skipped).
   */
  static List<String> sampleNames(String scrape) {
    List<String> names = new ArrayList<>();
    for (String line : scrape.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
        end++;
      }
      names.add(line.substring(0, end));
    }
    return names;
  }
}
