package io.elasticast.ingest;

import io.elasticast.schemas.AudioChunk;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.NormalisedAudio;
import io.elasticast.schemas.OrderKind;
import io.elasticast.schemas.StreamOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns a valid raw chunk into a {@link NormalisedAudio} chunk, given what the stream delivered
 * before ({@link StreamState}), and decides where it stands in its feed ({@link StreamOrder}: the
 * one place stream order is decided). Repeats are dropped; gaps, restarts and format changes
 * restart the filter; a chunk that arrives after a later one was passed on, and a sequence number
 * the event time does not back up ({@link SequenceTracker.Kind#IMPLAUSIBLE}), are refused, the
 * stream's window and filter left as they were.
 * Not thread-safe (it caches one resampler per input rate); use one per stream task.
 */
public final class ChunkNormaliser {

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
    SequenceTracker.Kind kind;
    SequenceTracker.State sequence;
    StreamOrder order;
    if (previous == null) {
      sequence = SequenceTracker.start(seq, startMicros, durationMicros);
      kind = SequenceTracker.Kind.FIRST;
      order = NormalisedAudio.order(OrderKind.FIRST);
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
        case OUT_OF_ORDER -> {
          // its place was declared a gap when the later chunk went on: splicing it in now would
          // put audio where the featurizer already has (zero-filled or reset) time
          return new Outcome(previous, null, kind, new ChunkValidator.Rejection(
              DeadLetterReason.OUT_OF_ORDER, "sequenceNumber " + seq + " arrived after "
                  + highestBefore + " had been passed on; its place was declared a gap"));
        }
        case GAP -> order = NormalisedAudio.gap(decision.missingBefore());
        case RESTART -> order = NormalisedAudio.order(OrderKind.RESTART);
        default -> order = NormalisedAudio.order(OrderKind.CONTINUES);
      }
    }

    float[] mono = SampleCodec.downmix(
        SampleCodec.decode(ChunkValidator.bytesOf(chunk.getPayload()), chunk.getEncoding()),
        chunk.getChannels());
    int rate = chunk.getSampleRate();

    // the filter's history carries on only over consecutive chunks of one input format; a gap, a
    // restart or a new rate or channel count starts it afresh
    boolean continues = previous != null
        && kind == SequenceTracker.Kind.IN_ORDER
        && previous.inputRate() == rate
        && previous.inputChannels() == chunk.getChannels();
    long origin = continues ? previous.originMicros() : startMicros;
    PolyphaseResampler.State filter = continues
        ? previous.resampler()
        : (rate == NormalisedAudio.SAMPLE_RATE ? null : resampler(rate).newState());

    float[] out;
    long outStartMicros;
    if (filter == null) {
      out = mono;
      outStartMicros = startMicros;
    } else {
      long firstIndex = filter.nextOutput();
      out = resampler(rate).process(filter, mono);
      outStartMicros = origin + firstIndex * 1_000_000L / NormalisedAudio.SAMPLE_RATE;
    }
    StreamState next = new StreamState(sequence, rate, chunk.getChannels(), origin, filter, 0L);
    return new Outcome(next, NormalisedAudio.chunk(chunk.getStreamId(), seq, outStartMicros, out,
        order), kind, null);
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
    return resamplers.computeIfAbsent(inputRate, r -> new PolyphaseResampler(r, NormalisedAudio.SAMPLE_RATE));
  }

}
