package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One live feed: reads its source chunk by chunk, paces, stamps and sends. Runs on its own thread;
 * its counters and status are read by the progress line and the closing summary.
 */
public final class Feed implements Runnable {

  public enum Status { STARTING, RUNNING, DONE, FAILED, STOPPED }

  /** Opens (or re-opens, when looping) the feed's source at its start. */
  @FunctionalInterface
  public interface Opener {
    PcmReader open() throws SourceException;
  }

  private final String source;
  private final String streamId;
  private final Opener opener;
  private final boolean loop;
  private final int loopPauseMillis;
  private final double startFraction;
  private final int chunkMillis;
  private final boolean pace;
  private final Ticker ticker;
  private final long startMicros;
  private final ChunkSink sink;

  private final AtomicLong chunks = new AtomicLong();
  private final AtomicLong microsSent = new AtomicLong();
  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong sendFailures = new AtomicLong();
  private volatile Status status = Status.STARTING;
  private volatile String error;
  private volatile boolean stopRequested;

  /**
   * {@code loopPauseMillis}: silence sent between the end of the source and its next loop (a
   * sound that comes and goes instead of one that never stops), rounded up to whole chunks.
   */
  public Feed(String source, String streamId, Opener opener, boolean loop, int loopPauseMillis,
      double startFraction, int chunkMillis, boolean pace, Ticker ticker, long startMicros,
      ChunkSink sink) {
    this.source = source;
    this.streamId = streamId;
    this.opener = opener;
    this.loop = loop;
    this.loopPauseMillis = loopPauseMillis;
    this.startFraction = startFraction;
    this.chunkMillis = chunkMillis;
    this.pace = pace;
    this.ticker = ticker;
    this.startMicros = startMicros;
    this.sink = sink;
  }

  @Override
  public void run() {
    try {
      stream();
      if (status == Status.RUNNING) {
        status = stopRequested ? Status.STOPPED : Status.DONE;
      }
    } catch (SourceException e) {
      fail(e.getMessage());
    } catch (IOException e) {
      fail(source + ": read error: " + e.getMessage());
    } catch (InterruptedException e) {
      status = Status.STOPPED;
    }
  }

  private void stream() throws SourceException, IOException, InterruptedException {
    PcmReader reader = opener.open();
    try {
      PcmFormat format = reader.format();
      int framesPerChunk = Chunker.framesPerChunk(format.sampleRate(), chunkMillis);
      Chunker chunker = new Chunker(streamId, format, startMicros, Map.of("source", source));
      Pacer pacer = new Pacer(ticker, format.sampleRate(), pace);
      status = Status.RUNNING;
      if (loop && startFraction > 0) {
        long length = reader instanceof MemoryPcm.Reader m ? m.totalFrames() : 0;
        reader.skipFrames((long) (startFraction * length));
      }
      while (!stopRequested && status == Status.RUNNING) {
        byte[] payload = reader.readFrames(framesPerChunk);
        if (payload.length == 0) {
          reader.finish();
          if (!loop) {
            return;
          }
          if (reader.framesRead() == 0) {
            throw new SourceException(source + ": no audio to loop");
          }
          reader.close();
          // zero bytes are silence in every encoding we write (signed PCM, float)
          byte[] silence = new byte[framesPerChunk * format.frameBytes()];
          for (int sent = 0; sent < loopPauseMillis && !stopRequested && status == Status.RUNNING;
              sent += chunkMillis) {
            send(chunker, pacer, format, silence);
          }
          reader = opener.open();
          continue;
        }
        send(chunker, pacer, format, payload);
      }
    } finally {
      reader.close();
    }
  }

  private void send(Chunker chunker, Pacer pacer, PcmFormat format, byte[] payload)
      throws InterruptedException {
    AudioChunk chunk = chunker.next(payload);
    pacer.awaitDue(chunker.frames());
    sink.send(chunk, e -> {
      sendFailures.incrementAndGet();
      fail(source + ": cannot send to Kafka: " + e.getMessage());
    });
    chunks.incrementAndGet();
    bytesSent.addAndGet(payload.length);
    microsSent.set(chunker.frames() * 1_000_000L / format.sampleRate());
  }

  private void fail(String message) {
    if (status != Status.FAILED) {
      error = message;
      status = Status.FAILED;
    }
  }

  /** Asks the feed to stop after the chunk in hand. */
  public void requestStop() {
    stopRequested = true;
  }

  public String source() {
    return source;
  }

  public String streamId() {
    return streamId;
  }

  public Status status() {
    return status;
  }

  public String error() {
    return error;
  }

  public long chunks() {
    return chunks.get();
  }

  /** Audio payload bytes of the chunks handed to the sink (as read from the source, before compression). */
  public long bytesSent() {
    return bytesSent.get();
  }

  /** Chunks the sink reported as not delivered (the feed fails at the first). */
  public long sendFailures() {
    return sendFailures.get();
  }

  public double secondsSent() {
    return microsSent.get() / 1e6;
  }
}
