package io.elasticast.ingest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;

/** Reads samples out of Prometheus text exposition, for assertions. */
final class Scrapes {

  private Scrapes() {}

  static String get(String url) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  /**
   * The value of the sample {@code name} whose labels include every {@code label="value"} pair
   * given (e.g. {@code "reason", "UNDECODABLE"}); empty when there is none.
   */
  static OptionalDouble value(String text, String name, String... labels) {
    for (String line : text.lines().toList()) {
      if (line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String sampleName = brace >= 0 ? line.substring(0, brace) : line.substring(0, Math.max(0, space));
      if (!sampleName.equals(name)) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        all &= brace >= 0 && line.substring(brace).contains(labels[i] + "=\"" + labels[i + 1] + "\"");
      }
      if (all) {
        return OptionalDouble.of(Double.parseDouble(line.substring(space + 1)));
      }
    }
    return OptionalDouble.empty();
  }
}
