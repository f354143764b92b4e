package io.elasticast.ingest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} in the Prometheus text format (0.0.4), from a Micrometer registry, on the
 * JDK's own HTTP server: what the normaliser and ingest expose for a Prometheus server to scrape.
 * It listens on every interface (a Prometheus in another container must reach it) with one daemon
 * thread, so it never keeps a process alive. Meters are bound to {@link #registry()}; work that
 * has to happen right before a scrape (meters for feeds that started since the last one) goes in
 * {@link #beforeScrape}.
 */
public final class MetricsEndpoint implements AutoCloseable {

  public static final String PATH = "/metrics";
  /** What Prometheus asks for first and every version understands. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry;
  private final HttpServer server;
  private final ExecutorService executor;
  private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeWith = new CopyOnWriteArrayList<>();

  private MetricsEndpoint(PrometheusMeterRegistry registry, HttpServer server,
      ExecutorService executor) {
    this.registry = registry;
    this.server = server;
    this.executor = executor;
  }

  /** A new registry served on {@code port}; 0 picks a free port (see {@link #port()}). */
  public static MetricsEndpoint start(int port) {
    return start(port, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /**
   * Serves {@code registry} on {@code port} (0: a free one). A port that is taken or out of range
   * is an {@link IllegalArgumentException} whose message says which and what to do.
   */
  public static MetricsEndpoint start(int port, PrometheusMeterRegistry registry) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("metrics port " + port + " is not in 0..65535");
    }
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(port), 0);
    } catch (BindException e) {
      throw new IllegalArgumentException("cannot serve metrics on port " + port + ": "
          + e.getMessage() + " (another process has it; choose another --metrics-port, or 0 for"
          + " any free port)", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot serve metrics on port " + port + ": " + e, e);
    }
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "metrics-http-" + server.getAddress().getPort());
      t.setDaemon(true);
      return t;
    });
    MetricsEndpoint endpoint = new MetricsEndpoint(registry, server, executor);
    server.createContext(PATH, endpoint::handle);
    server.setExecutor(executor);
    server.start();
    return endpoint;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The port it listens on (the chosen one when started with 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://localhost:PORT/metrics}. */
  public String url() {
    return "http://localhost:" + port() + PATH;
  }

  /** Runs {@code action} before every scrape, in the order added. */
  public MetricsEndpoint beforeScrape(Runnable action) {
    beforeScrape.add(action);
    return this;
  }

  /** Closes {@code resource} (a binder with a thread of its own) when the endpoint closes. */
  public MetricsEndpoint closeWith(AutoCloseable resource) {
    closeWith.add(resource);
    return this;
  }

  /** The text a scrape gets now (what {@code GET /metrics} answers). */
  public String scrape() {
    beforeScrape.forEach(Runnable::run);
    return registry.scrape(CONTENT_TYPE);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body;
      try {
        body = scrape().getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        // a broken meter must not take the endpoint down: say what broke, Prometheus marks the
        // target down for this scrape
        byte[] message = ("scrape failed: " + e + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(500, message.length);
        exchange.getResponseBody().write(message);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
      if ("HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Stops serving (at once), closes what {@link #closeWith} named, then the registry. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    for (AutoCloseable c : closeWith) {
      try {
        c.close();
      } catch (Exception e) {
        // a binder that cannot stop its refresh thread: it is a daemon, the process may still end
      }
    }
    registry.close();
  }
}
