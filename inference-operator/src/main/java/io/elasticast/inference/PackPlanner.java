package io.elasticast.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Decides how waiting windows share ONNX Runtime calls and attention rows. Pure: the same token
 * counts always give the same plan.
 *
 * <p><b>Layout.</b> One call sends the flat tokens of its windows plus {@code rows} [R, L]: every
 * attention row of a call is padded to the call's width L. A row holds one window, or several
 * shorter ones side by side (block-diagonal attention by sample id).
 *
 * <p><b>Cost model</b> ({@link CostModel}), in seconds, measured on the serving session itself
 * ({@link CostCalibration}), not assumed:
 * <pre>
 *   cost(call) = perCall                     fixed cost of one ORT call
 *              + perToken         * T        work per real token
 *              + perSlot          * R * L    work per row slot, padding included
 *              + perAttentionPair * R * L²   attention scores and their softmax, all heads
 *              + perPoolPair      * N * T    attention pooling: every window's query against the call's tokens
 * </pre>
 * so the plan trades calls against padding, row width and call size as this machine prices them.
 *
 * <p><b>Algorithm.</b> Windows are sorted by size (largest first; ties by arrival order). A call
 * takes a contiguous run of that order, so rows of one call have similar lengths; its width is
 * its largest window, and the rest go first-fit into rows of that width — a short window shares
 * a row only where it would otherwise get a row of its own padded to the full width. Dynamic
 * programming over the run boundaries picks the cheapest split into calls (O(n² · rows)),
 * subject to the per-call token budget.
 *
 * <p><b>Density floor</b> (optional, {@code minUtilisation}): a plan with fewer real tokens per row
 * slot than the floor is redone with an extra charge per padding slot, doubled until it is dense
 * enough. The reported {@link Plan#cost()} is always the plain model's.
 *
 * <p><b>Oversize policy: reject.</b> A window with more tokens than {@code maxRowTokens} cannot be
 * placed; it is listed in {@link Plan#oversize()} (never dropped silently) and the caller reports
 * it with a reason. Splitting would change what the window means (one verdict per window).
 */
public final class PackPlanner {

  /** Seconds per unit of each term of the cost model above (all ≥ 0). */
  public record CostModel(double perCall, double perToken, double perSlot,
      double perAttentionPair, double perPoolPair) {

    public CostModel {
      for (double v : new double[] {perCall, perToken, perSlot, perAttentionPair, perPoolPair}) {
        if (!(v >= 0) || Double.isInfinite(v)) {
          throw new IllegalArgumentException("cost terms must be finite and >= 0: " + this);
        }
      }
    }

    /** Seconds of a call of {@code rows} rows of width {@code width} holding {@code tokens} tokens of {@code windows} windows. */
    public double callCost(int rows, int width, int tokens, int windows) {
      double slots = (double) rows * width;
      return perCall + perToken * tokens + perSlot * slots + perAttentionPair * slots * width
          + perPoolPair * (double) windows * tokens;
    }

    /** The cost of one planned call. */
    public double callCost(Call call) {
      return callCost(call.rows().size(), call.width(), call.tokens(), call.windowCount());
    }

    /** Per-token seconds of a full call of {@code rows} windows of {@code tokens} tokens each, alone in their rows. */
    public double secondsPerToken(int rows, int tokens) {
      return callCost(rows, tokens, rows * tokens, rows) / ((double) rows * tokens);
    }

    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT, "per call %.1f µs, per token %.3f µs, per row slot"
              + " %.3f µs, per attention pair %.2f ns, per pool pair %.2f ns",
          perCall * 1e6, perToken * 1e6, perSlot * 1e6, perAttentionPair * 1e9, perPoolPair * 1e9);
    }
  }

  /** One attention row: the input indices of its windows, in order. */
  public record Row(int[] windows, int tokens) {}

  /** One ORT call: rows of equal padded width. */
  public record Call(int width, List<Row> rows, int tokens) {

    public int slots() {
      return rows.size() * width;
    }

    public int windowCount() {
      int n = 0;
      for (Row r : rows) {
        n += r.windows().length;
      }
      return n;
    }

    /** Input indices in sample-id order (row by row): window k of the call gets sample id k. */
    public int[] windowOrder() {
      int[] order = new int[windowCount()];
      int k = 0;
      for (Row r : rows) {
        for (int w : r.windows()) {
          order[k++] = w;
        }
      }
      return order;
    }
  }

  /** The calls to run, the windows that cannot be placed, and the model's estimate of the cost. */
  public record Plan(List<Call> calls, int[] oversize, double cost) {

    public int tokens() {
      return calls.stream().mapToInt(Call::tokens).sum();
    }

    public int slots() {
      return calls.stream().mapToInt(Call::slots).sum();
    }

    /** Real tokens ÷ attention slots (1 for an empty plan). */
    public double utilisation() {
      int slots = slots();
      return slots == 0 ? 1.0 : (double) tokens() / slots;
    }
  }

  /**
   * First extra charge per padding slot tried under the density floor, in units of one token's
   * own cost ({@code perToken + perSlot}), doubled up to the last.
   */
  static final double FIRST_PADDING_CHARGE = 1.0 / 64;
  static final double LAST_PADDING_CHARGE = 64;

  private final int maxRowTokens;
  private final int maxCallTokens;
  private final long maxAttentionPairsPerCall;
  private final CostModel cost;
  private final double minUtilisation;

  /**
   * @param maxRowTokens widest attention row (a window larger than this is oversize)
   * @param maxCallTokens most real tokens in one call (bounds memory and a call's latency)
   */
  public PackPlanner(int maxRowTokens, int maxCallTokens, CostModel cost) {
    this(maxRowTokens, maxCallTokens, Long.MAX_VALUE, cost);
  }

  /**
   * @param maxAttentionPairsPerCall most R·L² (attention score entries per head) in one call
   *     with more than one row, so score tensors stay cache-sized — a cost the FLOP-based model
   *     cannot see (a first measurement here suggested 2x per window for rows of 200 tokens at 8
   *     rows vs 4; repeated runs on the loaded machine were inconclusive: an untuned guard). A
   *     single row is always allowed.
   */
  public PackPlanner(int maxRowTokens, int maxCallTokens, long maxAttentionPairsPerCall,
      CostModel cost) {
    this(maxRowTokens, maxCallTokens, maxAttentionPairsPerCall, cost, 0);
  }

  /** @param minUtilisation density floor of every plan (see the class comment); 0 for none */
  public PackPlanner(int maxRowTokens, int maxCallTokens, long maxAttentionPairsPerCall,
      CostModel cost, double minUtilisation) {
    if (!(minUtilisation >= 0 && minUtilisation <= 1)) {
      throw new IllegalArgumentException("minUtilisation " + minUtilisation + " is not in [0, 1]");
    }
    if (maxRowTokens <= 0 || maxCallTokens < maxRowTokens) {
      throw new IllegalArgumentException("need 0 < maxRowTokens (" + maxRowTokens
          + ") <= maxCallTokens (" + maxCallTokens + ")");
    }
    this.maxRowTokens = maxRowTokens;
    this.maxCallTokens = maxCallTokens;
    this.maxAttentionPairsPerCall = maxAttentionPairsPerCall;
    this.cost = cost;
    this.minUtilisation = minUtilisation;
  }

  public double minUtilisation() {
    return minUtilisation;
  }

  public int maxRowTokens() {
    return maxRowTokens;
  }

  public int maxCallTokens() {
    return maxCallTokens;
  }

  public long maxAttentionPairsPerCall() {
    return maxAttentionPairsPerCall;
  }

  public CostModel costModel() {
    return cost;
  }

  /** Plans calls for windows of the given token counts (each ≥ 1), indexed as given. */
  public Plan plan(int[] tokens) {
    List<Integer> placeable = new ArrayList<>();
    List<Integer> oversize = new ArrayList<>();
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i] <= 0) {
        throw new IllegalArgumentException("window " + i + " has no tokens");
      }
      (tokens[i] > maxRowTokens ? oversize : placeable).add(i);
    }
    // largest first, ties in arrival order: a deterministic order
    Integer[] sorted = placeable.toArray(new Integer[0]);
    Arrays.sort(sorted, (x, y) -> tokens[x] != tokens[y] ? tokens[y] - tokens[x] : x - y);
    int[] rejected = oversize.stream().mapToInt(Integer::intValue).toArray();

    Plan plan = planSorted(sorted, tokens, 0, rejected);
    double tokenCost = cost.perToken() + cost.perSlot();
    for (double extra = FIRST_PADDING_CHARGE;
        plan.utilisation() < minUtilisation && extra <= LAST_PADDING_CHARGE; extra *= 2) {
      plan = planSorted(sorted, tokens, extra * tokenCost, rejected);
    }
    return plan;
  }

  /**
   * The cheapest split of {@code sorted} into calls, with {@code paddingCharge} seconds more per
   * padding slot; the cost reported is the plain model's.
   */
  private Plan planSorted(Integer[] sorted, int[] tokens, double paddingCharge, int[] rejected) {
    int n = sorted.length;

    double[] best = new double[n + 1];
    int[] start = new int[n + 1];
    Arrays.fill(best, Double.POSITIVE_INFINITY);
    best[0] = 0;
    for (int i = 0; i < n; i++) {
      int width = tokens[sorted[i]];
      List<int[]> rowFill = new ArrayList<>(); // {used} per row, first fit
      int total = 0;
      for (int j = i; j < n; j++) {
        int t = tokens[sorted[j]];
        total += t;
        if (total > maxCallTokens) {
          break;
        }
        placeFirstFit(rowFill, t, width);
        if (rowFill.size() > 1 && (long) rowFill.size() * width * width > maxAttentionPairsPerCall) {
          break;
        }
        int rows = rowFill.size();
        double c = best[i] + cost.callCost(rows, width, total, j - i + 1)
            + paddingCharge * ((double) rows * width - total);
        if (c < best[j + 1]) {
          best[j + 1] = c;
          start[j + 1] = i;
        }
      }
    }

    List<Call> calls = new ArrayList<>();
    for (int end = n; end > 0; end = start[end]) {
      calls.add(buildCall(sorted, start[end], end, tokens));
    }
    Collections.reverse(calls);
    double planCost = 0;
    for (Call call : calls) {
      planCost += cost.callCost(call);
    }
    return new Plan(List.copyOf(calls), rejected, planCost);
  }

  private static void placeFirstFit(List<int[]> rowFill, int t, int width) {
    for (int[] used : rowFill) {
      if (used[0] + t <= width) {
        used[0] += t;
        return;
      }
    }
    rowFill.add(new int[] {t});
  }

  private static Call buildCall(Integer[] sorted, int from, int to, int[] tokens) {
    int width = tokens[sorted[from]];
    List<List<Integer>> members = new ArrayList<>();
    List<int[]> fill = new ArrayList<>();
    int total = 0;
    for (int j = from; j < to; j++) {
      int t = tokens[sorted[j]];
      total += t;
      int r = 0;
      while (r < fill.size() && fill.get(r)[0] + t > width) {
        r++;
      }
      if (r == fill.size()) {
        fill.add(new int[] {0});
        members.add(new ArrayList<>());
      }
      fill.get(r)[0] += t;
      members.get(r).add(sorted[j]);
    }
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < members.size(); r++) {
      rows.add(new Row(members.get(r).stream().mapToInt(Integer::intValue).toArray(),
          fill.get(r)[0]));
    }
    return new Call(width, List.copyOf(rows), total);
  }
}
