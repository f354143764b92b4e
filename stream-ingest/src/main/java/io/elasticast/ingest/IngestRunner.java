package io.elasticast.ingest;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the ingest CLI's work: turns the named sources into feeds (one per file, or {@code feeds}
 * copies spread over the files when looping), runs each on its own thread into a {@link ChunkSink},
 * shows progress, and prints one summary line per feed. Bad sources fail alone, with one line each.
 */
public final class IngestRunner {

  public static final int DEFAULT_CHUNK_MILLIS = 100;

  /** What the user asked for. {@code feeds} 0 means one feed per source. */
  public record Options(List<String> sources, int feeds, boolean loop, boolean pace, int chunkMillis,
      String streamId, AudioSources.RawStdin stdin, int loopPauseMillis) {

    public Options {
      if (loopPauseMillis < 0) {
        throw new IllegalArgumentException("loop pause must be at least 0 ms, got " + loopPauseMillis);
      }
    }

    /** No pause between loops. */
    public Options(List<String> sources, int feeds, boolean loop, boolean pace, int chunkMillis,
        String streamId, AudioSources.RawStdin stdin) {
      this(sources, feeds, loop, pace, chunkMillis, streamId, stdin, 0);
    }
  }

  private final Options options;
  private final ChunkSink sink;
  private final Ticker ticker;
  private final Clock clock;
  private final PrintStream err;
  private final boolean showProgress;
  private final List<Feed> feeds = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> setupErrors = new ArrayList<>();
  private final List<String> droppedSources = new ArrayList<>();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Map<String, MemoryPcm> loaded = new HashMap<>();
  private volatile boolean stopping;

  public IngestRunner(Options options, ChunkSink sink, Ticker ticker, Clock clock, PrintStream err,
      boolean showProgress) {
    this.options = options;
    this.sink = sink;
    this.ticker = ticker;
    this.clock = clock;
    this.err = err;
    this.showProgress = showProgress;
  }

  /** Runs until every feed ends (or {@link #stop}); returns the exit code: 0, or 1 if any source failed. */
  public int run() {
    try {
      planFeeds();
      List<Thread> threads = new ArrayList<>();
      for (Feed feed : feeds) {
        Thread t = new Thread(feed, "feed-" + feed.streamId());
        threads.add(t);
        t.start();
      }
      ProgressLine progress = new ProgressLine(feeds, ticker);
      Set<Feed> reported = new HashSet<>();
      while (!allEnded(threads)) {
        reportFailures(reported);
        if (showProgress) {
          err.print("\r" + progress.render() + "\033[K");
          err.flush();
        }
        joinAll(threads, 500);
      }
      sink.flush();
      reportFailures(reported);
      if (showProgress) {
        err.print("\r\033[K");
      }
      for (Feed feed : feeds) {
        err.println(summary(feed));
      }
      for (String source : droppedSources) {
        err.println(String.format("%-24s %9.1f s %8d chunks  %-7s %s",
            AudioSources.displayName(source), 0.0, 0, "failed", source));
      }
      boolean failed = !setupErrors.isEmpty()
          || feeds.stream().anyMatch(f -> f.status() == Feed.Status.FAILED);
      return failed ? 1 : 0;
    } finally {
      finished.countDown();
    }
  }

  /** Asks every feed to stop after its current chunk; returns at once. */
  public void requestStop() {
    stopping = true;
    feeds.forEach(Feed::requestStop);
  }

  /** Stops every feed, then waits (bounded) for {@link #run} to flush and print its summary. */
  public void stop() {
    requestStop();
    try {
      finished.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public List<Feed> feeds() {
    return List.copyOf(feeds);
  }

  static String summary(Feed feed) {
    String status = switch (feed.status()) {
      case DONE -> "ok";
      case STOPPED, STARTING, RUNNING -> "stopped";
      case FAILED -> "failed";
    };
    return String.format("%-24s %9.1f s %8d chunks  %-7s %s", feed.streamId(), feed.secondsSent(),
        feed.chunks(), status, feed.source());
  }

  private final Set<String> reportedMessages = new HashSet<>();

  /** One line per distinct failure (feeds sharing a bad source fail with the same message). */
  private void reportFailures(Set<Feed> reported) {
    for (Feed feed : feeds) {
      if (feed.status() == Feed.Status.FAILED && reported.add(feed)
          && reportedMessages.add(feed.error())) {
        err.print(showProgress ? "\r\033[K" : "");
        err.println("error: " + feed.error());
      }
    }
  }

  private void planFeeds() {
    List<String> sources = new ArrayList<>();
    for (String source : options.sources()) {
      try {
        sources.addAll(AudioSources.expand(List.of(source)));
      } catch (SourceException e) {
        setupError(e.getMessage());
      }
    }
    if (options.loop() && sources.contains(AudioSources.STDIN)) {
      setupError("-: stdin cannot be looped");
      sources.remove(AudioSources.STDIN);
    }
    // A bad source is reported once and dropped, so it does not fail every feed spread over it.
    sources.removeIf(source -> !usable(source));
    if (sources.isEmpty()) {
      return;
    }
    int count = options.feeds() > 0 ? options.feeds() : sources.size();
    if (count > sources.size() && sources.contains(AudioSources.STDIN)) {
      // Feeds spread over the sources would read the one stdin stream in turns, garbling all of them.
      setupError("-: stdin is a single feed; --feeds cannot copy it");
      droppedSources.add(AudioSources.STDIN);
      sources.remove(AudioSources.STDIN);
      if (sources.isEmpty()) {
        return;
      }
    }
    int copiesPerSource = (count + sources.size() - 1) / sources.size();
    long startMicros = clock.instant().toEpochMilli() * 1_000L;
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < count && !stopping; i++) {
      String source = sources.get(i % sources.size());
      int copy = i / sources.size();
      String id = uniqueId(streamIdFor(source, i, count, copiesPerSource > 1 ? copy : -1), ids);
      // Files loop from one shared in-memory decode; a URL (a live stream) loops by reconnecting.
      boolean fromMemory = options.loop() && !AudioSources.isUrl(source);
      Feed.Opener opener = fromMemory ? () -> loadedReader(source) : () -> open(source);
      double fraction = fromMemory ? (double) copy / copiesPerSource : 0;
      feeds.add(new Feed(source, id, opener, options.loop(), options.loopPauseMillis(), fraction,
          options.chunkMillis(), options.pace(), ticker, startMicros, sink));
    }
  }

  private boolean usable(String source) {
    if (source.equals(AudioSources.STDIN) || AudioSources.isUrl(source)) {
      return true;
    }
    try {
      if (options.loop()) {
        loadedReader(source).close();
      } else if (!java.nio.file.Files.exists(java.nio.file.Path.of(source))) {
        throw new SourceException(source + ": no such file");
      }
      return true;
    } catch (SourceException e) {
      setupError(e.getMessage());
    } catch (IOException e) {
      setupError(source + ": " + e.getMessage());
    }
    droppedSources.add(source);
    return false;
  }

  private String streamIdFor(String source, int index, int count, int copy) {
    if (options.streamId() != null) {
      return count == 1 ? options.streamId() : options.streamId() + "-" + index;
    }
    String name = AudioSources.displayName(source);
    return copy >= 0 ? name + "-" + copy : name;
  }

  private static String uniqueId(String wanted, Set<String> taken) {
    String id = wanted;
    for (int n = 2; !taken.add(id); n++) {
      id = wanted + "-" + n;
    }
    return id;
  }

  private PcmReader open(String source) throws SourceException {
    return AudioSources.open(source, options.stdin());
  }

  /** Looping feeds of one source share a single in-memory decode. */
  private PcmReader loadedReader(String source) throws SourceException {
    MemoryPcm pcm;
    synchronized (loaded) {
      pcm = loaded.get(source);
      if (pcm == null) {
        try {
          pcm = MemoryPcm.load(source, open(source));
        } catch (IOException e) {
          throw new SourceException(source + ": read error: " + e.getMessage(), e);
        }
        loaded.put(source, pcm);
      }
    }
    return pcm.reader();
  }

  private void setupError(String message) {
    setupErrors.add(message);
    err.println("error: " + message);
  }

  private static boolean allEnded(List<Thread> threads) {
    return threads.stream().noneMatch(Thread::isAlive);
  }

  private static void joinAll(List<Thread> threads, long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    try {
      for (Thread t : threads) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return;
        }
        t.join(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
