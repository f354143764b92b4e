package io.elasticast.app.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real headless Chromium, driven through chromedriver's W3C WebDriver HTTP protocol with the
 * JDK's HttpClient: no Selenium dependency for the handful of commands a page check needs (open a
 * URL, run a script, take a screenshot).
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver} (CI installs them, see {@code
 * .ci/run}); {@code ELASTICAST_CHROMIUM} and {@code ELASTICAST_CHROMEDRIVER} point at other
 * binaries. Without them the browser tests fail and say what to install, so a CI machine that
 * lost them cannot pass by skipping; {@code ELASTICAST_SKIP_BROWSER_TESTS=1} skips them on purpose
 * (a developer machine without a browser).
 */
public final class HeadlessChromium implements AutoCloseable {

  public static final String SKIP_ENV = "ELASTICAST_SKIP_BROWSER_TESTS";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process driver;
  private final Path profile;
  private final String base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private String session;

  private HeadlessChromium(Process driver, Path profile, String base) {
    this.driver = driver;
    this.profile = profile;
    this.base = base;
  }

  /**
   * A browser with a {@code width} x {@code height} window, chromedriver's log in {@code log}.
   * Call before starting anything expensive: a missing browser fails fast.
   */
  public static HeadlessChromium start(int width, int height, Path log) throws Exception {
    Binaries bin = binaries();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.createDirectories(log.toAbsolutePath().getParent());
    Process driver = new ProcessBuilder(bin.driver().toString(), "--port=" + port)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Path profile = Files.createTempDirectory("elasticast-chromium-");
    HeadlessChromium c = new HeadlessChromium(driver, profile, "http://127.0.0.1:" + port);
    try {
      c.awaitReady(Duration.ofSeconds(20));
      ObjectNode caps = JSON.createObjectNode();
      ObjectNode always = caps.putObject("capabilities").putObject("alwaysMatch");
      always.put("browserName", "chrome");
      // the page's event stream never ends: return once the document is parsed, not "loaded"
      always.put("pageLoadStrategy", "eager");
      ObjectNode options = always.putObject("goog:chromeOptions");
      options.put("binary", bin.browser().toString());
      var args = options.putArray("args");
      for (String a : List.of("--headless=new", "--no-sandbox", // CI runs as root: no setuid sandbox there
          "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
          "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-GB",
          "--window-size=" + width + "," + height, "--user-data-dir=" + profile)) {
        args.add(a);
      }
      JsonNode created = c.call("POST", "/session", caps);
      c.session = created.get("sessionId").asText();
      ObjectNode timeouts = JSON.createObjectNode();
      timeouts.put("script", 10_000);
      timeouts.put("pageLoad", 30_000);
      c.call("POST", "/session/" + c.session + "/timeouts", timeouts);
      return c;
    } catch (Exception | AssertionError e) {
      c.close();
      throw new AssertionError("headless chromium did not start (chromedriver log: " + log.toAbsolutePath()
          + "): " + e.getMessage(), e);
    }
  }

  public void open(String url) throws Exception {
    ObjectNode body = JSON.createObjectNode();
    body.put("url", url);
    call("POST", "/session/" + session + "/url", body);
  }

  /** Runs {@code script} (a function body; {@code return} gives the result) in the page. */
  public JsonNode script(String script) throws Exception {
    ObjectNode body = JSON.createObjectNode();
    body.put("script", script);
    body.putArray("args");
    return call("POST", "/session/" + session + "/execute/sync", body);
  }

  /** Runs {@code script} every 250 ms until its result satisfies {@code done}; the last result on timeout. */
  public JsonNode await(String script, Predicate<JsonNode> done, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = script(script);
    while (!done.test(last) && System.nanoTime() < deadline) {
      Thread.sleep(250);
      last = script(script);
    }
    return last;
  }

  /** The viewport as PNG. */
  public byte[] screenshot() throws Exception {
    return Base64.getDecoder().decode(call("GET", "/session/" + session + "/screenshot", null).asText());
  }

  /**
   * The whole page as PNG: the window first grows until the viewport holds the document (up to
   * {@code maxHeight} pixels of it); the window's own frame, which headless Chromium counts in the
   * window size too, is added.
   */
  public byte[] fullPageScreenshot(int width, int maxHeight) throws Exception {
    JsonNode m = script("return [Math.ceil(document.documentElement.scrollHeight),"
        + " window.outerHeight - window.innerHeight]");
    ObjectNode rect = JSON.createObjectNode();
    rect.put("width", width);
    rect.put("height", Math.min(maxHeight, Math.max(200, m.get(0).asInt())) + Math.max(0, m.get(1).asInt()));
    call("POST", "/session/" + session + "/window/rect", rect);
    Thread.sleep(300); // a relayout, and the bars' transitions, at the new size
    return screenshot();
  }

  @Override
  public void close() {
    if (session != null) {
      try {
        call("DELETE", "/session/" + session, null); // quits chromium
      } catch (Exception | AssertionError ignored) {
        // the processes are ended below either way
      }
      session = null;
    }
    List<ProcessHandle> left = new ArrayList<>(driver.descendants().toList());
    driver.destroy();
    left.forEach(ProcessHandle::destroy);
    try {
      if (!driver.waitFor(5, TimeUnit.SECONDS)) {
        driver.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    left.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    deleteRecursively(profile);
  }

  // ---- protocol ---------------------------------------------------------------------------

  private void awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (call("GET", "/status", null).path("ready").asBoolean()) {
          return;
        }
      } catch (IOException | AssertionError notYet) {
        if (!driver.isAlive()) {
          throw new AssertionError("chromedriver exited with " + driver.exitValue());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("chromedriver not ready after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(100);
    }
  }

  /** One WebDriver command; its {@code value}, or an AssertionError with the driver's error. */
  private JsonNode call(String method, String path, JsonNode body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json; charset=utf-8");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode value = JSON.readTree(r.body()).path("value");
    if (r.statusCode() != 200) {
      throw new AssertionError("WebDriver " + method + " " + path + ": HTTP " + r.statusCode() + " "
          + value.path("error").asText() + ": " + value.path("message").asText());
    }
    return value;
  }

  // ---- finding the binaries ---------------------------------------------------------------

  record Binaries(Path browser, Path driver) {}

  /** The browser and its driver, or a failure that says what to install (a skip only if asked for). */
  static Binaries binaries() {
    if ("1".equals(System.getenv(SKIP_ENV)) || "true".equalsIgnoreCase(System.getenv(SKIP_ENV))) {
      Assumptions.abort(SKIP_ENV + " is set: browser test skipped");
    }
    Optional<Path> browser = find("ELASTICAST_CHROMIUM", "chromium", "chromium-browser", "google-chrome");
    Optional<Path> driver = find("ELASTICAST_CHROMEDRIVER", "chromedriver");
    if (browser.isEmpty() || driver.isEmpty()) {
      throw new AssertionError("the dashboard's browser test needs headless Chromium and chromedriver, and "
          + (browser.isEmpty() ? "no chromium" : "no chromedriver") + " was found on PATH"
          + " (or in ELASTICAST_CHROMIUM / ELASTICAST_CHROMEDRIVER). Install Debian's packages:"
          + " apt-get install chromium chromium-driver (.ci/run does), or set " + SKIP_ENV
          + "=1 to skip the browser tests on purpose.");
    }
    return new Binaries(browser.get(), driver.get());
  }

  private static Optional<Path> find(String env, String... names) {
    String given = System.getenv(env);
    if (given != null && !given.isBlank()) {
      Path p = Path.of(given);
      if (!Files.isExecutable(p)) {
        throw new AssertionError(env + "=" + given + " is not an executable file");
      }
      return Optional.of(p);
    }
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
    for (String name : names) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Path.of(dir.isEmpty() ? "." : dir, name);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir chromium still writes to while exiting; the OS cleans /tmp
    }
  }
}
