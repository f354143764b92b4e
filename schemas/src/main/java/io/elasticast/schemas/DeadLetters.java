package io.elasticast.schemas;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Builds {@link DeadLetter}s that always fit on the dead-letter topic: a refused value larger
 * than {@code maxValueBytes} keeps only its first bytes, and the record carries the whole value's
 * size and SHA-256 and says in its message that it was truncated. One oversized input must never
 * make the writer fail (the broker refuses records over its {@code max.message.bytes}, 1 MiB by
 * default, and the producer over {@code max.request.size}).
 */
public final class DeadLetters {

  /** Value bytes kept by default: well under the broker's and producer's 1 MiB defaults. */
  public static final int DEFAULT_MAX_VALUE_BYTES = 256 * 1024;
  /** Longest message kept; a reason must not be what overflows the record. */
  public static final int MAX_MESSAGE_CHARS = 2_000;

  private DeadLetters() {}

  /**
   * A dead letter for a record read at {@code topic/partition/offset} (or refused at a named stage,
   * partition -1), with at most {@code maxValueBytes} of {@code value}.
   */
  public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value,
      DeadLetterReason reason, String message, long timeMicros, int maxValueBytes) {
    String why = message == null || message.isBlank() ? reason.name() : message;
    ByteBuffer kept = null;
    Long size = null;
    String sha256 = null;
    if (value != null) {
      size = (long) value.length;
      sha256 = sha256(value);
      if (value.length > maxValueBytes) {
        kept = ByteBuffer.wrap(Arrays.copyOf(value, Math.max(0, maxValueBytes)));
        why = why + " [value truncated: kept " + Math.max(0, maxValueBytes) + " of " + value.length
            + " bytes, sha256 " + sha256 + "]";
      } else {
        kept = ByteBuffer.wrap(value);
      }
    }
    if (why.length() > MAX_MESSAGE_CHARS) {
      why = why.substring(0, MAX_MESSAGE_CHARS - 3) + "...";
    }
    return DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setSourcePartition(partition)
        .setSourceOffset(offset)
        .setKey(key == null ? null : ByteBuffer.wrap(truncateKey(key)))
        .setOriginalValue(kept)
        .setReason(reason)
        .setMessage(why)
        .setTimeMicros(timeMicros)
        .setOriginalValueSize(size)
        .setOriginalValueSha256(sha256)
        .build();
  }

  /** The same with the default value limit. */
  public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value,
      DeadLetterReason reason, String message, long timeMicros) {
    return of(topic, partition, offset, key, value, reason, message, timeMicros,
        DEFAULT_MAX_VALUE_BYTES);
  }

  /** Keys are stream ids; a huge one is cut like a value (it is kept for routing only). */
  private static byte[] truncateKey(byte[] key) {
    return key.length <= 1024 ? key : Arrays.copyOf(key, 1024);
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
