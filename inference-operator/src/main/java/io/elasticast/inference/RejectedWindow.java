package io.elasticast.inference;

/** A window the model could not take, with the reason: reported, never dropped silently (Flink POJO). */
public class RejectedWindow {

  public String streamId;
  public long sequenceNumber;
  public String policy;
  public long startMicros;
  public int frames;
  public int frameShiftMs;
  public String reason;

  public RejectedWindow() {}

  public RejectedWindow(WindowClassifier.Rejected rejected) {
    this.streamId = rejected.window().streamId;
    this.sequenceNumber = rejected.window().sequenceNumber;
    this.policy = rejected.window().policy;
    this.startMicros = rejected.window().startMicros;
    this.frames = rejected.window().frames;
    this.frameShiftMs = rejected.window().frameShiftMs;
    this.reason = rejected.reason();
  }

  @Override
  public String toString() {
    return "RejectedWindow{" + streamId + "#" + sequenceNumber + " " + policy + ": " + reason + "}";
  }
}
