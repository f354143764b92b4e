package io.elasticast.app.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.elasticast.app.live.FeedBoard;
import io.elasticast.app.live.LiveTopics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The live dashboard: one page at {@code http://localhost:PORT/} that renders a {@link FeedBoard}
 * pushed to it by Server-Sent Events. On the JDK's own HTTP server, so the CLI carries no web
 * framework, and the page is one HTML file with its script and styles inline, so it works offline.
 *
 * <ul>
 *   <li>{@code GET /} the page ({@code dashboard/index.html} in the jar);
 *   <li>{@code GET /events} a {@code text/event-stream}: the board's snapshot as one JSON
 *       {@code data:} line, sent on connect, then whenever it changes (at most every
 *       {@value #MIN_PUSH_MS} ms) and at least every {@value #PUSH_EVERY_MS} ms;
 *   <li>{@code GET /snapshot.json} the snapshot now, for scripts and curl.
 * </ul>
 *
 * <p>Binds the loopback interface only and answers only requests addressed to a loopback host
 * name (a web page elsewhere cannot read it through DNS rebinding). One thread per open event
 * stream, at most {@value #MAX_STREAMS}; a slow browser only holds up its own stream. {@link
 * #close} ends the streams, the server and its threads.
 */
public final class Dashboard implements AutoCloseable {

  /** The CLI's default port; {@code --dashboard-port 0} turns the dashboard off. */
  public static final int DEFAULT_PORT = 8088;
  /** A snapshot goes out at least this often, so the page's clock and rates keep moving. */
  static final long PUSH_EVERY_MS = 500;
  /** ... and at most this often, however fast events arrive (a browser needs no more). */
  static final long MIN_PUSH_MS = 200;
  /** How often the board is looked at for a change. */
  static final long TICK_MS = 100;
  /** A comment line on an idle stream, so proxies and the browser keep the connection. */
  static final long KEEP_ALIVE_MS = 15_000;
  static final int MAX_STREAMS = 32;

  private final HttpServer server;
  private final ExecutorService handlers;
  private final ScheduledExecutorService ticker;
  private final Broadcast broadcast = new Broadcast();
  private final Semaphore streams = new Semaphore(MAX_STREAMS);
  private final Supplier<FeedBoard.Snapshot> snapshots;
  private final byte[] page;
  private volatile boolean closed;
  /** What feeds the board, when this dashboard started it; closed with it. */
  private AutoCloseable feeder;
  // the last snapshot sent, without its timestamp, to tell a change from the clock moving
  private String lastContent;
  private long lastPushNanos;

  private Dashboard(Supplier<FeedBoard.Snapshot> snapshots, HttpServer server) {
    this.snapshots = snapshots;
    this.server = server;
    this.page = resource("dashboard/index.html");
    AtomicInteger n = new AtomicInteger();
    this.handlers = Executors.newCachedThreadPool(r -> daemon(r, "dashboard-http-" + n.incrementAndGet()));
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "dashboard-push"));
    server.createContext("/", this::handle);
    server.setExecutor(handlers);
  }

  /** Serves {@code board} on {@code port} of the loopback interface; 0 picks a free port. */
  public static Dashboard start(FeedBoard board, int port) {
    return start(() -> board.snapshot(nowMicros()), port);
  }

  static Dashboard start(Supplier<FeedBoard.Snapshot> snapshots, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("dashboard port must be 0..65535, not " + port);
    }
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("dashboard: cannot listen on port " + port + ": " + e.getMessage(), e);
    }
    Dashboard d = new Dashboard(snapshots, server);
    d.tick(); // the first client gets a snapshot at once
    d.ticker.scheduleWithFixedDelay(d::tickQuietly, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    server.start();
    return d;
  }

  /**
   * The one call for a command's {@code --dashboard-port}: null when {@code port} is 0 (off; a null
   * resource is fine in try-with-resources), otherwise the dashboard, its URL printed on {@code
   * out}. A busy port is not worth failing a pipeline for: it says so and takes a free one.
   */
  public static Dashboard startIfEnabled(FeedBoard board, int port, PrintWriter out) {
    if (port == 0) {
      return null;
    }
    Dashboard d;
    try {
      d = start(board, port);
    } catch (UncheckedIOException e) {
      if (!(e.getCause() instanceof BindException)) {
        throw e;
      }
      d = start(board, 0);
      out.printf("dashboard: port %d is taken (%s), using %d instead%n", port, e.getCause().getMessage(), d.port());
    }
    out.println("dashboard " + d.url());
    out.flush();
    return d;
  }

  /**
   * For a command that has no board of its own ({@code job}): reads {@code source}'s topics into a
   * new board ({@link LiveTopics}) and serves it; {@link #close} stops both. Null when {@code port}
   * is 0.
   */
  public static Dashboard startIfEnabled(LiveTopics.Source source, int port, PrintWriter out) {
    if (port == 0) {
      return null;
    }
    FeedBoard board = new FeedBoard();
    LiveTopics live = LiveTopics.start(source, board, i -> { }, e -> { });
    try {
      Dashboard d = startIfEnabled(board, port, out);
      d.feeder = live;
      return d;
    } catch (RuntimeException e) {
      live.close();
      throw e;
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://localhost:PORT/}. */
  public String url() {
    return "http://localhost:" + port() + "/";
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ticker.shutdownNow();
    broadcast.close(); // wakes every stream's thread, which then ends its response
    server.stop(0);
    handlers.shutdownNow();
    try {
      ticker.awaitTermination(5, TimeUnit.SECONDS);
      handlers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (feeder != null) {
      try {
        feeder.close();
      } catch (Exception e) {
        System.err.println("dashboard: closing its topic reader: " + e);
      }
    }
  }

  // ---- pushing ----------------------------------------------------------------------------

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      // a bad snapshot must not stop the schedule (a thrown task is never run again)
      System.err.println("dashboard: snapshot failed: " + e);
    }
  }

  private synchronized void tick() {
    FeedBoard.Snapshot s = snapshots.get();
    String content = Json.write(List.of(s.feeds(), s.openIncidents(), s.recentIncidents(), s.figures()));
    long now = System.nanoTime();
    long sinceMs = (now - lastPushNanos) / 1_000_000;
    boolean changed = !content.equals(lastContent);
    if (lastContent == null || (changed && sinceMs >= MIN_PUSH_MS) || sinceMs >= PUSH_EVERY_MS) {
      lastContent = content;
      lastPushNanos = now;
      broadcast.publish(("data: " + Json.write(s) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  // ---- serving ----------------------------------------------------------------------------

  private void handle(HttpExchange ex) throws IOException {
    try {
      if (!loopbackHost(ex.getRequestHeaders().getFirst("Host"))) {
        send(ex, 403, "text/plain", "dashboard: only for localhost\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(ex, 405, "text/plain", "GET only\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      switch (ex.getRequestURI().getPath()) {
        case "/", "/index.html" -> {
          // the page may load nothing from elsewhere: the dashboard works offline or not at all
          ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; "
              + "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:");
          send(ex, 200, "text/html; charset=utf-8", page);
        }
        case "/snapshot.json" -> send(ex, 200, "application/json",
            Json.write(snapshots.get()).getBytes(StandardCharsets.UTF_8));
        case "/events" -> stream(ex);
        case "/favicon.ico" -> send(ex, 204, null, null);
        default -> send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      // the browser went away mid-response, or a snapshot failed: this exchange only
      if (!(e instanceof IOException)) {
        System.err.println("dashboard: " + ex.getRequestURI() + ": " + e);
      }
    } finally {
      ex.close();
    }
  }

  private void stream(HttpExchange ex) throws IOException {
    if (!streams.tryAcquire()) {
      send(ex, 503, "text/plain", "too many dashboard streams\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    try {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, 0); // 0: chunked, open-ended
      OutputStream body = ex.getResponseBody();
      // a restarted demo is found again within a second
      body.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
      body.flush();
      long seen = -1;
      while (!closed) {
        Broadcast.Frame f = broadcast.awaitAfter(seen, KEEP_ALIVE_MS);
        if (f == null) {
          if (closed) {
            break;
          }
          body.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
        } else {
          seen = f.seq();
          body.write(f.bytes());
        }
        body.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closing
    } finally {
      streams.release();
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    if (type != null) {
      ex.getResponseHeaders().set("Content-Type", type);
    }
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    boolean none = body == null || ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, none ? -1 : body.length);
    if (!none) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  static boolean loopbackHost(String host) {
    if (host == null) {
      return true; // HTTP/1.0 without Host: not a browser on another site
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      return h.startsWith("[::1]");
    }
    int colon = h.indexOf(':');
    String name = colon < 0 ? h : h.substring(0, colon);
    return name.equals("localhost") || name.endsWith(".localhost")
        || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  private static byte[] resource(String name) {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  static long nowMicros() {
    return System.currentTimeMillis() * 1000;
  }

  /** The latest frame and a sequence number; each stream's thread waits for one newer than its own. */
  static final class Broadcast {
    record Frame(long seq, byte[] bytes) {}

    private Frame latest;
    private boolean closed;

    synchronized void publish(byte[] bytes) {
      latest = new Frame(latest == null ? 0 : latest.seq() + 1, bytes);
      notifyAll();
    }

    /** The latest frame if newer than {@code seq}, waiting up to {@code timeoutMs}; null on timeout or close. */
    synchronized Frame awaitAfter(long seq, long timeoutMs) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
      while (!closed && (latest == null || latest.seq() <= seq)) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return null;
        }
        wait(left);
      }
      return closed ? null : latest;
    }

    synchronized void close() {
      closed = true;
      notifyAll();
    }
  }
}
