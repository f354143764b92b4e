package io.elasticast.schemas;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/** One fully populated instance of each record, every field set to a non-default value. */
final class RecordFixtures {

  private RecordFixtures() {}

  static AudioChunk audioChunk() {
    return AudioChunk.newBuilder()
        .setStreamId("siren-cam-7")
        .setSequenceNumber(42)
        .setEventTimeStartMicros(1_764_158_400_000_000L)
        .setSampleRate(44_100)
        .setChannels(2)
        .setEncoding(SampleEncoding.FLOAT32LE)
        .setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
        .setSourceMetadata(Map.of("file", "siren.wav"))
        .build();
  }

  static ClassificationEvent classificationEvent() {
    return ClassificationEvent.newBuilder()
        .setStreamId("siren-cam-7")
        .setWindowStartMicros(1_000_000)
        .setWindowEndMicros(2_000_000)
        .setFrameShiftMs(20)
        .setFrames(48)
        .setTopK(List.of(new LabelScore("siren", 0.9f), new LabelScore("alarm", 0.05f)))
        .setModelId("elasticast-small")
        .setModelSha256("ab".repeat(32))
        .setProcessingLatencyMicros(12_345)
        .setPackStats(new PackStats(12, 10, 640, 672, 0.95f, 8_000L))
        .setWindowPolicy("sliding-1s/0.5s@10ms")
        .setDetected(List.of(new LabelScore("siren", 0.9f)))
        .build();
  }

  static Incident incident() {
    return Incident.newBuilder()
        .setIncidentId("siren-cam-7/siren/1000000")
        .setStreamId("siren-cam-7")
        .setLabel("siren")
        .setState(IncidentState.CLOSED)
        .setStartMicros(1_000_000)
        .setEndMicros(6_500_000L)
        .setPeakScore(0.97f)
        .setMeanScore(0.81f)
        .setWindowCount(11)
        .setEventTimeMicros(8_500_000)
        .build();
  }

  static DeadLetter deadLetter() {
    return DeadLetter.newBuilder()
        .setSourceTopic("audio.raw")
        .setSourcePartition(3)
        .setSourceOffset(99)
        .setKey(ByteBuffer.wrap("feed-1".getBytes()))
        .setOriginalValue(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 9}))
        .setReason(DeadLetterReason.BAD_SAMPLE_RATE)
        .setMessage("sample rate 7000 Hz is outside 8000..192000")
        .setTimeMicros(5)
        .build();
  }
}
