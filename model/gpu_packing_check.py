"""Packed ElasticAST against length-bucketed padding on a GPU, in one self-contained run.

For the GPU machines we borrow at times: PyTorch with CUDA (13), no JDK, at most 64 MiB carried. This file and
`elasticast.py` are all it needs (random weights: speed does not depend on them); `--bundle OUT.py` writes the two as
one file to carry alone (about 40 KB). It stays under `--budget-s` (default 270 s) on one GPU:

    python3 model/gpu_packing_check.py                       # cuda, fp16 and bf16, shipped size and ViT-B
    python3 model/gpu_packing_check.py --bundle /tmp/gpu_check.py && python3 /tmp/gpu_check.py   # the same, one file
    python3 model/gpu_packing_check.py --device cpu --smoke  # what CI runs: tiny, checks the outputs agree

Methods, each over the same windows with the same weights, timed in interleaved rounds (min and median):
- packed-rows: the windows sorted by length and cut into calls of at most --call-tokens tokens; in a call, windows of
  equal length form a plain batch [B, L] (no mask, no gather: the uniform case), shorter ones share rows first-fit
  with a block-diagonal mask, `scaled_dot_product_attention`; attention pooling per window.
- packed-varlen: every window its own sequence in one jagged nested tensor (PyTorch's varlen attention, no padding
  at all); only where this PyTorch has it.
- padded-bucketed/B: windows sorted by length and batched, each batch padded to its longest window (key padding mask;
  none when its windows are equal), at each of B = 4, 8, 16, 32 -- what Triton-style dynamic batching does. The best
  B counts, per workload and dtype.
- one-at-a-time: each window alone, no mask.

Workloads (token counts follow the serving contract: 128 mel bins, 16x16 patches, 25 ms frames), the same five as
`elasticast bench inference`: uniform 1 s @10 ms, uniform 10 s @10 ms, mixed 0.5-10 s @10/20/30/40 ms, the job's
default multi-scale mix (1 s sliding windows every 0.5 s + native segments covering the audio) and a multi-resolution
mix (1 s @10 ms every 0.5 s + 4 s @20 ms every 2 s + 10 s @40 ms every 5 s).

One line per model size and dtype reads like `bench inference`'s last line:
`gpu[fp16] shipped packed/best_1s=A packed/best_10s=B packed/best_mixed=C packed/best_multiscale=D packed/best_multires=E`
where packed is the faster packed method and best the fastest baseline, medians of the rounds.
"""
import argparse
import os
import random
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from elasticast import PATCH, ElasticAST, ElasticASTConfig

MEL_BINS = 128
FREQ_PATCHES = MEL_BINS // PATCH
BATCH_SIZES = (4, 8, 16, 32)
HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


def tokens(seconds: float, shift_ms: int) -> int:
    """Tokens of a window: Kaldi frames (25 ms, snip edges) cut to whole 16-frame patches, times 8 bands."""
    frames = 1 + (int(round(seconds * 16000)) - 400) // (16 * shift_ms)
    return max(1, frames // PATCH) * FREQ_PATCHES


def workloads(n: int, seed: int = 7):
    """Name -> list of (tokens, time patches) per window."""
    rng = random.Random(seed)

    def window(seconds, shift):
        t = tokens(seconds, shift)
        return t, t // FREQ_PATCHES

    def multiscale():                                   # per 10 s: 20 sliding windows + segments covering it
        out = []
        while len(out) < n:
            out.extend([window(1.0, 10)] * 20)
            left = 10.0
            while left >= 0.5:
                s = min(left, rng.uniform(0.5, 10.0))
                out.append(window(s, 10))
                left -= s
        return out[:n]

    def multires():                                     # per 10 s: 20 + 5 + 2 windows (hops 0.5 / 2 / 5 s)
        out = []
        while len(out) < n:
            for i in range(20):
                out.append(window(1.0, 10))
                if i % 4 == 3:
                    out.append(window(4.0, 20))
                if i % 10 == 9:
                    out.append(window(10.0, 40))
        return out[:n]

    def mixed():
        out = []
        while len(out) < n:
            shift = rng.choice((10, 20, 30, 40))
            seconds = rng.uniform(0.5, 10.0)
            if 1 + (int(round(seconds * 16000)) - 400) // (16 * shift) >= PATCH:
                out.append(window(seconds, shift))
        return out

    return {"1s": [window(1.0, 10)] * n, "10s": [window(10.0, 10)] * n, "mixed": mixed(),
            "multiscale": multiscale(), "multires": multires()}


# ---- one forward, several layouts (the same weights as ElasticAST; attention through SDPA where present)

def attention(q, k, v, mask):
    """q/k/v (B, H, L, dh); mask (B, 1, L, L) bool (True = attend) or None."""
    if HAS_SDPA:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def blocks(model, x, mask):
    """x (B, L, d) through every block of `model`."""
    for blk in model.blocks:
        B, L, _ = x.shape
        qkv = blk.qkv(blk.ln1(x)).reshape(B, L, 3, blk.heads, blk.d_head).permute(2, 0, 3, 1, 4)
        o = attention(qkv[0], qkv[1], qkv[2], mask).permute(0, 2, 1, 3).reshape(B, L, -1)
        x = x + blk.proj(o)
        x = x + blk.mlp(blk.ln2(x))
    return x


def pool(model, x, ids, n):
    """Attention pooling per window: x (M, d) tokens, ids (M,) window id per token (-1 = padding)."""
    return model.classify(x, ids, torch.arange(n, device=x.device))


def embed_rows(model, rows):
    """rows: list of lists of (tokens, time patches) -> x (B, L, d), ids (B, L) window ids, -1 padding."""
    device = model.pos_freq.device
    L = max(sum(t for t, _ in r) for r in rows)
    dtype = model.patch_embed.weight.dtype
    x = torch.zeros(len(rows), L, model.cfg.d_model, device=device, dtype=dtype)
    ids = torch.full((len(rows), L), -1, dtype=torch.long, device=device)
    w = 0
    for b, r in enumerate(rows):
        o = 0
        for t, tp in r:
            patches = torch.randn(t, PATCH * PATCH, device=device, dtype=dtype)
            fpos = torch.arange(FREQ_PATCHES, device=device).repeat(tp)
            tpos = torch.arange(tp, device=device).repeat_interleave(FREQ_PATCHES)
            x[b, o:o + t] = model.embed(patches, fpos, tpos)
            ids[b, o:o + t] = w
            o += t
            w += 1
    return x, ids


def block_mask(ids):
    """(B, L) window ids -> (B, 1, L, L) True where query and key share a window; padding sees itself only."""
    return (ids.unsqueeze(-1) == ids.unsqueeze(-2)).unsqueeze(1)


def key_padding(ids):
    """(B, L) -> (B, 1, L, L): every query of a row attends the row's real keys; padding queries too (their
    outputs are never read), so no row is fully masked."""
    real = (ids >= 0).unsqueeze(1).unsqueeze(2)
    return real.expand(-1, 1, ids.shape[1], -1)


def plan_calls(windows, call_tokens):
    """Sorted by length, cut into calls of at most call_tokens tokens; in a call, windows of the call's width get a
    row each, shorter ones share rows first-fit. Returns a list of calls, each a list of rows of windows."""
    order = sorted(windows, key=lambda w: -w[0])
    calls, current, used = [], [], 0
    for w in order:
        if current and used + w[0] > call_tokens:
            calls.append(current)
            current, used = [], 0
        current.append(w)
        used += w[0]
    if current:
        calls.append(current)
    planned = []
    for call in calls:
        width, rows, fill = call[0][0], [], []
        for w in call:
            for r, f in enumerate(fill):
                if f + w[0] <= width:
                    rows[r].append(w)
                    fill[r] += w[0]
                    break
            else:
                rows.append([w])
                fill.append(w[0])
        planned.append(rows)
    return planned


class Method:
    """A prepared layout of one workload (inputs built once, as a server holds its batch) and its forward."""

    def __init__(self, name, run, density=1.0):
        self.name, self.run, self.density = name, run, density


def packed_rows(model, windows, call_tokens):
    prepared, useful, computed = [], 0, 0
    for rows in plan_calls(windows, call_tokens):
        x, ids = embed_rows(model, rows)
        uniform = all(len(r) == 1 for r in rows) and len({r[0][0] for r in rows}) == 1
        prepared.append((x, ids, None if uniform else block_mask(ids), sum(len(r) for r in rows)))
        useful += sum(t * t for r in rows for t, _ in r)
        computed += len(rows) * x.shape[1] ** 2

    def run():
        return torch.cat([pool(model, blocks(model, x, mask).reshape(-1, x.shape[-1]), ids.reshape(-1), n)
                          for x, ids, mask, n in prepared])
    return Method("packed-rows", run, useful / computed)


def packed_varlen(model, windows):
    """One jagged nested tensor, each window its own sequence: attention costs sum of l^2 exactly."""
    if not HAS_SDPA or not hasattr(torch, "nested") or model.pos_freq.device.type != "cuda":
        return None
    try:
        xs = [embed_rows(model, [[w]])[0][0] for w in windows]
        nt = torch.nested.nested_tensor(xs, layout=torch.jagged)
        lengths = torch.tensor([w[0] for w in windows], device=model.pos_freq.device)
        window_ids = torch.repeat_interleave(torch.arange(len(windows), device=lengths.device), lengths)

        def run():
            x = nt
            for blk in model.blocks:
                h = blk.qkv(blk.ln1(x))                                   # (N, j, 3d) jagged
                q, k, v = h.chunk(3, dim=-1)

                def heads(t):
                    return t.unflatten(-1, (blk.heads, blk.d_head)).transpose(1, 2)
                o = F.scaled_dot_product_attention(heads(q), heads(k), heads(v))
                x = x + blk.proj(o.transpose(1, 2).flatten(-2))
                x = x + blk.mlp(blk.ln2(x))
            return pool(model, x.values(), window_ids, len(windows))
        run()  # fails here where this PyTorch lacks a jagged kernel
        return Method("packed-varlen", run)
    except (RuntimeError, NotImplementedError, TypeError, AttributeError, ValueError) as e:
        print(f"  (packed-varlen unavailable: {type(e).__name__}: {str(e)[:120]})")
        return None


def padded_bucketed(model, windows, batch):
    order = sorted(windows, key=lambda w: -w[0])
    prepared, useful, computed = [], 0, 0
    for i in range(0, len(order), batch):
        b = order[i:i + batch]
        x, ids = embed_rows(model, [[w] for w in b])
        equal = len({w[0] for w in b}) == 1
        prepared.append((x, ids, None if equal else key_padding(ids)))
        useful += sum(w[0] ** 2 for w in b)
        computed += len(b) * x.shape[1] ** 2

    def run():
        return torch.cat([pool(model, blocks(model, x, mask).reshape(-1, x.shape[-1]), ids.reshape(-1), x.shape[0])
                          for x, ids, mask in prepared])
    return Method(f"padded-bucketed/{batch}", run, useful / computed)


def one_at_a_time(model, windows):
    prepared = [embed_rows(model, [[w]]) for w in windows]

    def run():
        return torch.cat([pool(model, blocks(model, x, None)[0], torch.zeros(x.shape[1], dtype=torch.long,
                                                                              device=x.device), 1)
                          for x, _ in prepared])
    return Method("one-at-a-time", run)


def timed(method, device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    method.run()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000


def check_outputs_agree(model, windows, call_tokens):
    """The same windows through packed rows (several per row, masked) and one at a time: the same logits."""
    torch.manual_seed(3)
    worst = 0.0
    for rows in plan_calls(windows, call_tokens):
        x, ids = embed_rows(model, rows)
        n = sum(len(r) for r in rows)
        packed = pool(model, blocks(model, x, block_mask(ids)).reshape(-1, x.shape[-1]), ids.reshape(-1), n)
        alone = []
        for b, r in enumerate(rows):
            o = 0
            for t, _ in r:
                xi = x[b:b + 1, o:o + t]
                alone.append(pool(model, blocks(model, xi, None)[0], torch.zeros(t, dtype=torch.long,
                                                                                 device=x.device), 1))
                o += t
        worst = max(worst, (packed - torch.cat(alone)).abs().max().item())
    return worst


class Budget:
    """The run's wall-clock budget, shared out over the (size, dtype, workload) units still to run."""

    def __init__(self, seconds, units):
        self.deadline, self.units = time.perf_counter() + seconds, units

    def rounds(self, seconds_per_round, most, least=3):
        share = (self.deadline - time.perf_counter()) / max(1, self.units)
        return max(least, min(most, int(share / max(seconds_per_round, 1e-3))))


def run_size(label, cfg, device, dtypes, n, rounds, call_tokens, budget):
    torch.manual_seed(0)
    base = ElasticAST(cfg).eval().to(device)
    results = {}
    for dtype in dtypes:
        model = base.to(dtype)
        line = {}
        print(f"\n{label} (d={cfg.d_model}, depth {cfg.depth}, heads {cfg.heads}), {dtype_name(dtype)}, {n} windows")
        with torch.inference_mode():
            for wl, windows in workloads(n).items():
                methods = [packed_rows(model, windows, call_tokens), packed_varlen(model, windows),
                           one_at_a_time(model, windows)]
                methods += [padded_bucketed(model, windows, b) for b in BATCH_SIZES]
                methods = [m for m in methods if m is not None]
                warm = sum(timed(m, device) for m in methods) / 1000       # warm-up: kernels, allocator
                r = budget.rounds(warm, rounds)
                samples = {m.name: [] for m in methods}
                for i in range(r):                                       # interleaved rounds, rotated
                    for m in methods[i % len(methods):] + methods[:i % len(methods)]:
                        samples[m.name].append(timed(m, device))
                med = {k: statistics.median(v) for k, v in samples.items()}
                packed = min((k for k in med if k.startswith("packed")), key=med.get)
                best = min((k for k in med if not k.startswith("packed")), key=med.get)
                line[wl] = med[best] / med[packed]
                toks = sum(w[0] for w in windows)
                dens = {m.name: m.density for m in methods}
                print(f"  {wl:<10} {toks:>7} tokens, {r} rounds, attention density {dens['packed-rows']:.2f}"
                      f" (packed-rows)")
                for k in sorted(med, key=med.get):
                    print(f"    {k:<20} median {med[k]:8.2f} ms  min {min(samples[k]):8.2f} ms"
                          f"  {len(windows) / med[k] * 1000:9.0f} windows/s  density {dens[k]:.2f}")
                print(f"    packed/best = {line[wl]:.2f}  ({packed} vs {best})")
                budget.units -= 1
        results[dtype_name(dtype)] = line
        print(f"gpu[{dtype_name(dtype)}] {label} " + " ".join(f"packed/best_{k}={v:.2f}" for k, v in line.items()))
    return results


def dtype_name(dtype):
    return {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32"}[dtype]


def bundle(out_path):
    """This script and elasticast.py as one file: elasticast becomes a module built from its source at start-up."""
    here = os.path.dirname(os.path.abspath(__file__))
    model_src = open(os.path.join(here, "elasticast.py")).read()
    script = open(os.path.abspath(__file__)).read()
    loader = ("import sys as _sys, types as _types\n"
              "_elasticast = _types.ModuleType('elasticast')\n"
              f"exec(compile({model_src!r}, 'elasticast.py', 'exec'), _elasticast.__dict__)\n"
              "_sys.modules['elasticast'] = _elasticast\n")
    marker = "from elasticast import"
    head, tail = script.split(marker, 1)
    with open(out_path, "w") as f:
        f.write(head + loader + marker + tail)
    print(f"wrote {out_path} ({os.path.getsize(out_path) / 1024:.0f} KB): this script with elasticast.py inside")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtypes", default="fp16,bf16")
    ap.add_argument("--windows", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=7, help="at most; fewer (at least 3) where --budget-s is short")
    ap.add_argument("--budget-s", type=float, default=270, help="wall-clock budget of the whole run")
    ap.add_argument("--call-tokens", type=int, default=16384, help="packed-rows: most tokens in one call")
    ap.add_argument("--sizes", default="shipped,vit-b",
                    help="shipped = d96/depth 3 (model/artifacts), vit-b = the paper's d768/depth 12")
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI: checks outputs, times nothing real")
    ap.add_argument("--bundle", metavar="OUT.py", help="write this script with elasticast.py inside, and exit")
    args = ap.parse_args(argv)
    if args.bundle:
        return bundle(args.bundle)

    start = time.perf_counter()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device here; use --device cpu (with --smoke for a quick check)")
    names = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
    dtypes = [names[d] for d in args.dtypes.split(",")]
    all_sizes = {"shipped": ElasticASTConfig(d_model=96, depth=3, heads=2),
                 "vit-b": ElasticASTConfig(d_model=768, depth=12, heads=12)}
    sizes = {k: all_sizes[k] for k in args.sizes.split(",")}
    if args.smoke:
        sizes = {"smoke": ElasticASTConfig(d_model=32, depth=2, heads=2)}
        dtypes, args.windows, args.rounds, args.call_tokens = [torch.float32], 12, 1, 512
    print(f"torch {torch.__version__}, device {device}"
          + (f" ({torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda})" if device.type == "cuda" else "")
          + f", SDPA {'yes' if HAS_SDPA else 'no (manual attention)'}, budget {args.budget_s:.0f} s")

    torch.manual_seed(0)
    check = ElasticAST(next(iter(sizes.values()))).eval().to(device)
    with torch.inference_mode():
        diff = check_outputs_agree(check, workloads(12)["mixed"] + workloads(6)["multires"], 512)
    print(f"packed rows vs one-at-a-time logits, max |diff| = {diff:.2e} (fp32)")
    if diff > 1e-3:
        raise SystemExit(f"packed and one-at-a-time disagree by {diff}: masks or pooling are wrong")

    budget = Budget(args.budget_s - (time.perf_counter() - start), len(sizes) * len(dtypes) * 5)
    for label, cfg in sizes.items():
        run_size(label, cfg, device, dtypes, args.windows, args.rounds, args.call_tokens, budget)
    print(f"\nwhole run {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
