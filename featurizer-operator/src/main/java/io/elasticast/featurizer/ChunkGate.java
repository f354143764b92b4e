package io.elasticast.featurizer;

import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The job's entry check, before records are keyed by feed: {@link ChunkAdmission} decides, this
 * class turns refusals into {@link DeadLetter}s (topic, partition, offset, reason, at most
 * {@code maxDeadLetterValueBytes} of the value) on {@link #REJECTED} and passes the rest on as
 * {@link FeedChunk}s with their samples decoded once. It never throws for a record, so one bad record cannot restart the job.
 */
public class ChunkGate extends ProcessFunction<SourcedChunk, FeedChunk> {

  public static final OutputTag<DeadLetter> REJECTED =
      new OutputTag<>("input-rejected", new AvroTypeInfo<>(DeadLetter.class));

  private final ChunkAdmission admission;
  private final int maxDeadLetterValueBytes;
  private transient Counter admitted;
  private transient Counter rejected;

  public ChunkGate(ChunkAdmission admission, int maxDeadLetterValueBytes) {
    this.admission = admission;
    this.maxDeadLetterValueBytes = maxDeadLetterValueBytes;
  }

  @Override
  public void open(OpenContext openContext) {
    admitted = getRuntimeContext().getMetricGroup().counter("admittedChunks");
    rejected = getRuntimeContext().getMetricGroup().counter("rejectedRecords");
  }

  @Override
  public void processElement(SourcedChunk in, Context ctx, Collector<FeedChunk> out) {
    long now = ctx.timerService().currentProcessingTime();
    Optional<ChunkAdmission.Refusal> refusal = admission.check(in, now);
    if (refusal.isPresent()) {
      rejected.inc();
      ctx.output(REJECTED, deadLetter(in, refusal.get(), now, maxDeadLetterValueBytes));
      return;
    }
    admitted.inc();
    // on to the feed's featurizer: identity, order verdict and the decoded samples, nothing else
    out.collect(FeedChunk.of(in));
  }

  /** A dead letter for {@code in}, with its raw value or, when it decoded, the chunk re-encoded. */
  public static DeadLetter deadLetter(SourcedChunk in, ChunkAdmission.Refusal why, long nowMillis,
      int maxValueBytes) {
    String where = in.chunk == null ? "" : " (stream " + in.chunk.getStreamId() + " seq "
        + in.chunk.getSequenceNumber() + ")";
    return DeadLetters.of(in.topic == null ? "unknown" : in.topic, in.partition, in.offset, in.key,
        valueOf(in), why.reason(), why.message() + where, nowMillis * 1000, maxValueBytes);
  }

  static byte[] valueOf(SourcedChunk in) {
    if (in.value != null) {
      return in.value;
    }
    if (in.chunk == null) {
      return null;
    }
    try {
      ByteBuffer b = in.chunk.toByteBuffer();
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      return bytes;
    } catch (IOException | RuntimeException e) {
      return null; // the value is optional; the coordinates still find the record
    }
  }
}
