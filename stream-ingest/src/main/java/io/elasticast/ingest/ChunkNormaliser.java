package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.SampleEncoding;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns a valid raw chunk into a mono {@link #OUTPUT_RATE} FLOAT32LE chunk, given what the stream
 * delivered before ({@link StreamState}). Repeats are dropped; gaps, restarts and format changes
 * restart the filter; a late chunk is resampled on its own so the stream's history stays intact; a
 * sequence number the event time does not back up ({@link SequenceTracker.Kind#IMPLAUSIBLE}) is
 * refused, its window and filter left as they were.
 * Not thread-safe (it caches one resampler per input rate); use one per stream task.
 */
public final class ChunkNormaliser {

  public static final int OUTPUT_RATE = 16_000;

  private final Map<Integer, PolyphaseResampler> resamplers = new HashMap<>();

  /**
   * The stream's next state and the chunk to emit; {@code output} is null for a duplicate (drop it)
   * and for a refused chunk, which carries a {@code rejection} to dead-letter instead.
   */
  public record Outcome(StreamState state, AudioChunk output, SequenceTracker.Kind kind,
      ChunkValidator.Rejection rejection) {}

  /** {@code chunk} must have passed {@link ChunkValidator}; {@code previous} is null for a new stream. */
  public Outcome normalise(StreamState previous, AudioChunk chunk) {
    long seq = chunk.getSequenceNumber();
    long startMicros = chunk.getEventTimeStartMicros();
    long durationMicros = ChunkValidator.durationMicros(chunk);
    Map<String, String> flags = new HashMap<>();
    SequenceTracker.Kind kind;
    SequenceTracker.State sequence;
    if (previous == null) {
      sequence = SequenceTracker.start(seq, startMicros, durationMicros);
      kind = SequenceTracker.Kind.FIRST;
    } else {
      sequence = previous.sequence();
      long highestBefore = sequence.highest();
      long latestBefore = sequence.latestStartMicros();
      SequenceTracker.Decision decision =
          SequenceTracker.observe(sequence, seq, startMicros, durationMicros);
      kind = decision.kind();
      switch (kind) {
        case DUPLICATE -> {
          return new Outcome(previous, null, kind, null);
        }
        case IMPLAUSIBLE -> {
          return new Outcome(previous, null, kind, implausible(chunk, highestBefore, latestBefore,
              durationMicros));
        }
        case GAP -> {
          flags.put(NormalisedMetadata.GAP_BEFORE, Long.toString(decision.missingBefore()));
          flags.put(NormalisedMetadata.RESAMPLER_RESET, "gap");
        }
        case RESTART -> {
          flags.put(NormalisedMetadata.RESTART, "true");
          flags.put(NormalisedMetadata.RESAMPLER_RESET, "restart");
        }
        case OUT_OF_ORDER -> flags.put(NormalisedMetadata.OUT_OF_ORDER, "true");
        default -> { }
      }
    }

    float[] mono = SampleCodec.downmix(
        SampleCodec.decode(ChunkValidator.bytesOf(chunk.getPayload()), chunk.getEncoding()),
        chunk.getChannels());
    int rate = chunk.getSampleRate();

    if (kind == SequenceTracker.Kind.OUT_OF_ORDER) {
      // Feeding a late chunk through the stream's filter would splice it into the wrong place.
      float[] out = rate == OUTPUT_RATE ? mono : resampler(rate).processWhole(mono);
      return new Outcome(previous, output(chunk, out, startMicros, flags), kind, null);
    }

    boolean continues = previous != null
        && (kind == SequenceTracker.Kind.IN_ORDER)
        && previous.inputRate() == rate
        && previous.inputChannels() == chunk.getChannels();
    if (previous != null && kind == SequenceTracker.Kind.IN_ORDER && !continues) {
      flags.put(NormalisedMetadata.RESAMPLER_RESET, "format");
    }
    long origin = continues ? previous.originMicros() : startMicros;
    PolyphaseResampler.State filter = continues
        ? previous.resampler()
        : (rate == OUTPUT_RATE ? null : resampler(rate).newState());

    float[] out;
    long outStartMicros;
    if (filter == null) {
      out = mono;
      outStartMicros = startMicros;
    } else {
      long firstIndex = filter.nextOutput();
      out = resampler(rate).process(filter, mono);
      outStartMicros = origin + firstIndex * 1_000_000L / OUTPUT_RATE;
    }
    StreamState next = new StreamState(sequence, rate, chunk.getChannels(), origin, filter, 0L);
    return new Outcome(next, output(chunk, out, outStartMicros, flags), kind, null);
  }

  private static ChunkValidator.Rejection implausible(AudioChunk chunk, long highest,
      long latestStartMicros, long durationMicros) {
    long jump = chunk.getSequenceNumber() - highest;
    return new ChunkValidator.Rejection(DeadLetterReason.BAD_SEQUENCE, String.format(
        "sequenceNumber %d is %d chunks past the stream's highest %d, but its event time moved"
            + " %.3f s, not the %.3f s or more a real gap of %d-us chunks would take",
        chunk.getSequenceNumber(), jump, highest,
        (chunk.getEventTimeStartMicros() - latestStartMicros) / 1e6,
        (double) jump * durationMicros / 2e6, durationMicros));
  }

  private PolyphaseResampler resampler(int inputRate) {
    return resamplers.computeIfAbsent(inputRate, r -> new PolyphaseResampler(r, OUTPUT_RATE));
  }

  private static AudioChunk output(AudioChunk in, float[] mono, long startMicros,
      Map<String, String> flags) {
    Map<String, String> metadata = new HashMap<>();
    if (in.getSourceMetadata() != null) {
      metadata.putAll(in.getSourceMetadata());
    }
    metadata.put(NormalisedMetadata.INPUT_SAMPLE_RATE, Integer.toString(in.getSampleRate()));
    metadata.put(NormalisedMetadata.INPUT_CHANNELS, Integer.toString(in.getChannels()));
    metadata.putAll(flags);
    return AudioChunk.newBuilder()
        .setStreamId(in.getStreamId())
        .setSequenceNumber(in.getSequenceNumber())
        .setEventTimeStartMicros(startMicros)
        .setSampleRate(OUTPUT_RATE)
        .setChannels(1)
        .setEncoding(SampleEncoding.FLOAT32LE)
        .setPayload(ByteBuffer.wrap(SampleCodec.encodeFloat32(mono)))
        .setSourceMetadata(metadata)
        .build();
  }
}
