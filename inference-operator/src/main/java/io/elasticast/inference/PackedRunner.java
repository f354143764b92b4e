package io.elasticast.inference;

/** Runs one encoded call and returns logits [windows][classes] in sample-id order. */
@FunctionalInterface
public interface PackedRunner {

  float[][] run(PackedBatchEncoder.PackedBatch batch);
}
