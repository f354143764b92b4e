package io.elasticast.ingest;

import io.elasticast.schemas.DeadLetters;
import io.elasticast.schemas.EventTimeBounds;
import java.time.Duration;
import java.util.Objects;

/**
 * What an operator may tune in the normaliser's topology.
 *
 * @param eventTimeBounds event times outside these bounds (judged against the wall clock when the
 *     record is processed) are dead-lettered as {@code BAD_EVENT_TIME}
 * @param maxDeadLetterValueBytes how much of a refused value a dead letter keeps (it always carries
 *     the whole value's size and SHA-256). The dead letter's other fields and the input's headers
 *     (at most {@link ChunkValidator#MAX_HEADER_BYTES}) add at most about 80 kB, so this plus that
 *     must stay under the dead-letter topic's {@code max.message.bytes} and the
 *     normaliser's {@code producer.max.request.size} (both 1 MiB by default)
 */
public record NormaliserSettings(EventTimeBounds eventTimeBounds, int maxDeadLetterValueBytes) {

  public NormaliserSettings {
    Objects.requireNonNull(eventTimeBounds, "eventTimeBounds");
    if (maxDeadLetterValueBytes < 0) {
      throw new IllegalArgumentException(
          "dead-letter value limit must be >= 0 bytes, not " + maxDeadLetterValueBytes);
    }
  }

  /** Event times at most 1 h ahead; dead letters keep 256 KiB of the value. */
  public static NormaliserSettings defaults() {
    return new NormaliserSettings(EventTimeBounds.defaults(), DeadLetters.DEFAULT_MAX_VALUE_BYTES);
  }

  /** The same with event times accepted up to {@code maxAhead} ahead of the wall clock. */
  public NormaliserSettings withMaxEventTimeAhead(Duration maxAhead) {
    return new NormaliserSettings(new EventTimeBounds(maxAhead), maxDeadLetterValueBytes);
  }

  public NormaliserSettings withMaxDeadLetterValueBytes(int bytes) {
    return new NormaliserSettings(eventTimeBounds, bytes);
  }
}
