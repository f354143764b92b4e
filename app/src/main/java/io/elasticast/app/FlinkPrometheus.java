package io.elasticast.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Flink's Prometheus reporter ({@code flink-metrics-prometheus}): the configuration keys that turn
 * it on, and the port options our commands take ({@code metrics.prometheus-port} in the job YAML,
 * {@code cluster --metrics-ports}). Every process of a Flink cluster with this configuration
 * serves {@code GET /metrics} on the first port of the range it can bind.
 */
public final class FlinkPrometheus {

  public static final String FACTORY_KEY = "metrics.reporter.prom.factory.class";
  public static final String PORT_KEY = "metrics.reporter.prom.port";
  public static final String FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

  private FlinkPrometheus() {}

  /** A port or an inclusive range; {@link #OFF} for none. */
  public record Ports(int first, int last) {

    public static final Ports OFF = new Ports(0, 0);

    /** {@code "9249"}, {@code "9249-9259"}, or null / empty / {@code "0"} for off. */
    public static Ports parse(String spec) {
      if (spec == null || spec.isBlank() || spec.trim().equals("0")) {
        return OFF;
      }
      String s = spec.trim();
      int dash = s.indexOf('-');
      try {
        int first = Integer.parseInt(dash < 0 ? s : s.substring(0, dash).trim());
        int last = dash < 0 ? first : Integer.parseInt(s.substring(dash + 1).trim());
        if (first < 1 || last > 65_535 || last < first) {
          throw new IllegalArgumentException("'" + spec + "' is not a port in 1..65535 or a range"
              + " A-B of them (0 turns the reporter off)");
        }
        return new Ports(first, last);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + spec + "' is not a port, a range A-B, or 0", e);
      }
    }

    public boolean off() {
      return first == 0;
    }

    /** As Flink's {@code metrics.reporter.prom.port} takes it. */
    public String flinkValue() {
      return first == last ? Integer.toString(first) : first + "-" + last;
    }

    /**
     * The first port of the range this process can bind now. Flink would skip a taken port and,
     * when none is left, only log a warning and run without metrics; one port or a full range is
     * told at once instead.
     */
    public int firstFree() {
      for (int p = first; p <= last; p++) {
        if (bindable(p)) {
          return p;
        }
      }
      throw new IllegalArgumentException(first == last
          ? "port " + first + " for the Prometheus metrics is in use (set metrics.prometheus-port"
              + " to another port, a range A-B, or 0 to turn the reporter off)"
          : "every port of " + flinkValue() + " for the Prometheus metrics is in use");
    }
  }

  /** Turns the reporter on in {@code conf} for {@code ports} (a single port or a range). */
  public static Configuration enable(Configuration conf, Ports ports) {
    if (ports.off()) {
      return conf;
    }
    return enable(conf, ports.flinkValue());
  }

  /** The same with Flink's own port value ({@code "9249"}, {@code "9249-9259"}). */
  public static Configuration enable(Configuration conf, String flinkPortValue) {
    for (Map.Entry<String, String> e : Map.of(FACTORY_KEY, FACTORY, PORT_KEY, flinkPortValue).entrySet()) {
      conf.set(ConfigOptions.key(e.getKey()).stringType().noDefaultValue(), e.getValue());
    }
    return conf;
  }

  /** {@code http://localhost:PORT/metrics}. */
  public static String url(int port) {
    return "http://localhost:" + port + "/metrics";
  }

  /** Whether a Flink reporter answers {@code GET /metrics} on {@code port} (within 10 s). */
  public static boolean serving(int port) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    do {
      try {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create(url(port)))
                .timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("flink_")) {
          return true;
        }
      } catch (IOException notYet) {
        // not listening (yet)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    } while (System.nanoTime() < deadline);
    return false;
  }

  static boolean bindable(int port) {
    // the reporter binds every interface, so probe the same address
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
