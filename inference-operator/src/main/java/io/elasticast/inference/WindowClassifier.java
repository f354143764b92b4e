package io.elasticast.inference;

import io.elasticast.schemas.SpectrogramWindow;
import io.elasticast.schemas.PackStats;
import java.util.ArrayList;
import java.util.List;

/**
 * Classifies a batch of windows: rejects what the model cannot take (with a reason), plans the
 * rest into calls ({@link PackPlanner}), encodes each call ({@link PackedBatchEncoder}) and runs
 * it ({@link OrtClassifier}). Every input window comes back either scored or rejected. Not
 * thread-safe: one per Flink subtask or CLI run.
 */
public final class WindowClassifier implements AutoCloseable {

  /** Logits of one window and how the call that scored it was packed. */
  public record Scored(SpectrogramWindow window, float[] logits, PackStats packStats) {}

  /** A window the model cannot take, and why. */
  public record Rejected(SpectrogramWindow window, String reason) {}

  /** Scored windows in input order (rejected ones omitted) and the rejected ones. */
  public record Outcome(List<Scored> scored, List<Rejected> rejected, int calls) {}

  private final PackedRunner runtime;
  private final Patchifier patchifier;
  private final PackPlanner planner;
  private final PackedBatchEncoder encoder;

  public WindowClassifier(PackedRunner runtime, Patchifier patchifier, PackPlanner planner) {
    this.runtime = runtime;
    this.patchifier = patchifier;
    this.planner = planner;
    this.encoder = new PackedBatchEncoder(patchifier);
  }

  /** Loads the model the settings name and wires planner, encoder and runtime for it. */
  public static WindowClassifier open(ModelConfig config, InferenceSettings settings) {
    OrtClassifier runtime = OrtClassifier.open(config,
        new OrtClassifier.Options(settings.intraOpThreads(), settings.cuda(), 0));
    try {
      return new WindowClassifier(runtime, new Patchifier(config, settings.featureScale()),
          planner(runtime, settings.tokenBudget()));
    } catch (RuntimeException e) {
      runtime.close();
      throw e;
    }
  }

  /** The planner for calls on {@code runtime}'s session, priced by its calibration. */
  public static PackPlanner planner(OrtClassifier runtime, int maxCallTokens) {
    return planner(runtime.config(), maxCallTokens, runtime.costModel());
  }

  /** A planner whose rows fit any window the model's time table can place, at the given prices. */
  public static PackPlanner planner(ModelConfig config, int maxCallTokens,
      PackPlanner.CostModel cost) {
    int maxRow = config.maxTokensPerWindow();
    return new PackPlanner(maxRow, Math.max(maxRow, maxCallTokens), cost);
  }

  public Outcome classify(List<SpectrogramWindow> windows) {
    List<Rejected> rejected = new ArrayList<>();
    List<SpectrogramWindow> accepted = new ArrayList<>();
    for (SpectrogramWindow w : windows) {
      String reason = patchifier.rejectionReason(w);
      if (reason == null) {
        accepted.add(w);
      } else {
        rejected.add(new Rejected(w, reason));
      }
    }
    int[] tokens = accepted.stream().mapToInt(patchifier::tokens).toArray();
    PackPlanner.Plan plan = planner.plan(tokens);
    for (int i : plan.oversize()) {
      rejected.add(new Rejected(accepted.get(i), "window has " + tokens[i]
          + " tokens, more than the " + planner.maxRowTokens() + "-token attention row budget"));
    }
    Scored[] byInput = new Scored[accepted.size()];
    for (PackPlanner.Call call : plan.calls()) {
      try {
        runCall(accepted, call, byInput);
      } catch (OrtClassifier.InferenceException e) {
        // one bad window must not take its call (or, by a restart loop, the job) down with it:
        // run the call's windows alone and reject only those that fail alone
        for (int w : call.windowOrder()) {
          int t = tokens[w];
          PackPlanner.Call alone = new PackPlanner.Call(t, List.of(new PackPlanner.Row(new int[] {w}, t)), t);
          try {
            runCall(accepted, alone, byInput);
          } catch (OrtClassifier.InferenceException single) {
            rejected.add(new Rejected(accepted.get(w), "inference failed: " + single.getMessage()));
          }
        }
      }
    }
    List<Scored> scored = new ArrayList<>();
    for (Scored s : byInput) {
      if (s != null) {
        scored.add(s);
      }
    }
    return new Outcome(scored, rejected, plan.calls().size());
  }

  public Patchifier patchifier() {
    return patchifier;
  }

  public PackPlanner planner() {
    return planner;
  }

  public PackedBatchEncoder encoder() {
    return encoder;
  }

  private void runCall(List<SpectrogramWindow> accepted, PackPlanner.Call call, Scored[] byInput) {
    PackedBatchEncoder.PackedBatch batch = encoder.encode(accepted, call);
    long start = System.nanoTime();
    float[][] logits = runtime.run(batch);
    long micros = (System.nanoTime() - start) / 1000;
    PackStats stats = new PackStats(batch.windows(), batch.rowCount(), batch.tokens(),
        call.slots(), (float) batch.tokens() / call.slots(), micros);
    int[] order = batch.windowOrder();
    for (int k = 0; k < order.length; k++) {
      byInput[order[k]] = new Scored(accepted.get(order[k]), logits[k], stats);
    }
  }

  @Override
  public void close() {
    if (runtime instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing the runtime failed: " + e.getMessage(), e);
      }
    }
  }
}
