"""Packed ElasticAST against length-bucketed padding on a GPU, in one self-contained run.

For the GPU machines we borrow at times: PyTorch with CUDA, no JDK, at most 64 MiB carried. This file
and `elasticast.py` are all it needs (random weights: speed does not depend on them), and it finishes in
a few minutes on one GPU:

    /usr/bin/python3 model/gpu_packing_check.py                 # cuda, fp16 and bf16, both model sizes
    /usr/bin/python3 model/gpu_packing_check.py --device cpu --smoke   # what CI runs: tiny, checks outputs

Methods, each over the same windows with the same weights, timed in interleaved rounds (min and median):
- packed-masked: windows packed into rows of at most --row-tokens tokens (NaViT greedy packing, sorted by
  length first), one block-diagonal mask per row, `scaled_dot_product_attention`.
- packed-varlen: every window its own sequence in one jagged nested tensor (PyTorch's varlen attention);
  only where this PyTorch supports it.
- padded-bucketed: windows sorted by length and batched, each batch padded to its longest window (key
  padding mask; none when a batch's windows are equal), at the best batch size of {4, 8, 16, 32} -- what
  Triton-style dynamic batching does. The best size is picked per workload and dtype.
- one-at-a-time: each window alone, no mask.

Workloads (token counts follow the serving contract: 128 mel bins, 16x16 patches, 25 ms frames):
uniform 1 s @10 ms, uniform 10 s @10 ms, mixed 0.5-10 s @10-40 ms, the job's default multi-scale mix
(1 s sliding every 0.5 s + native segments), and a multi-resolution mix (1 s @10 ms + 4 s @20 ms +
10 s @40 ms in the proportions their hops give).

The last line per dtype reads like `bench inference`'s:
`gpu[fp16] packed/best_1s=A packed/best_10s=B packed/best_mixed=C packed/best_multiscale=D packed/best_multires=E`
where packed is the faster packed method and best the fastest baseline, medians of the rounds.
"""
import argparse
import random
import statistics
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
    frames = int((seconds * 1000 - 25) // shift_ms) + 1
    return max(1, frames // PATCH) * FREQ_PATCHES


def workloads(n: int, seed: int = 7):
    """Name -> list of (tokens, time patches) per window."""
    rng = random.Random(seed)

    def window(seconds, shift):
        t = tokens(seconds, shift)
        return t, t // FREQ_PATCHES

    def multiscale():
        out = []
        while len(out) < n:
            out.extend([window(1.0, 10)] * 19)          # 10 s of audio: 19 sliding windows
            out.extend(window(rng.uniform(0.5, 10.0), 10) for _ in range(rng.randint(1, 3)))
        return out[:n]

    def multires():
        out = []
        while len(out) < n:                              # per 10 s: 19 + 4 + 1 windows (hops 0.5 / 2 / 5 s)
            out.extend([window(1.0, 10)] * 19 + [window(4.0, 20)] * 4 + [window(10.0, 40)] * 1)
        rng.shuffle(out)
        return out[:n]

    return {
        "1s": [window(1.0, 10)] * n,
        "10s": [window(10.0, 10)] * n,
        "mixed": [window(rng.uniform(0.5, 10.0), rng.choice((10, 20, 30, 40))) for _ in range(n)],
        "multiscale": multiscale(),
        "multires": multires(),
    }


# ---- one forward, three layouts (same weights as ElasticAST; attention through SDPA where present)

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
    same = ids.unsqueeze(-1) == ids.unsqueeze(-2)
    return same.unsqueeze(1)


def pack(windows, row_tokens):
    """Greedy NaViT packing after sorting by length (as PackPlanner sorts first): list of rows."""
    rows, current, used = [], [], 0
    for w in sorted(windows, key=lambda w: -w[0]):
        if used + w[0] > row_tokens and current:
            rows.append(current)
            current, used = [], 0
        current.append(w)
        used += w[0]
    if current:
        rows.append(current)
    return rows


class Method:
    """A prepared layout of one workload (inputs built once, as a server holds its batch) and its forward."""

    def __init__(self, name, run):
        self.name, self.run = name, run


def packed_masked(model, windows, row_tokens):
    rows = pack(windows, row_tokens)
    x, ids = embed_rows(model, rows)
    mask = block_mask(ids)

    def run():
        y = blocks(model, x, mask)
        return pool(model, y.reshape(-1, y.shape[-1]), ids.reshape(-1), len(windows))
    return Method("packed-masked", run)


def packed_varlen(model, windows):
    """One jagged nested tensor, each window its own sequence: attention costs sum of l^2 exactly."""
    if not HAS_SDPA or not hasattr(torch, "nested") or model.pos_freq.device.type != "cuda":
        return None
    try:
        xs = [embed_rows(model, [[w]])[0][0] for w in windows]
        nt = torch.nested.nested_tensor(xs, layout=torch.jagged)
        lengths = [w[0] for w in windows]

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
            flat = x.values()                                             # (sum l, d)
            ids = torch.repeat_interleave(torch.arange(len(windows), device=flat.device),
                                          torch.tensor(lengths, device=flat.device))
            return pool(model, flat, ids, len(windows))
        run()  # fails here where this PyTorch lacks a jagged kernel
        return Method("packed-varlen", run)
    except (RuntimeError, NotImplementedError, TypeError, AttributeError) as e:
        print(f"  (packed-varlen unavailable: {type(e).__name__}: {str(e)[:120]})")
        return None


def padded_bucketed(model, windows, batch):
    order = sorted(windows, key=lambda w: -w[0])
    batches = [order[i:i + batch] for i in range(0, len(order), batch)]
    prepared = []
    for b in batches:
        x, ids = embed_rows(model, [[w] for w in b])
        equal = len({w[0] for w in b}) == 1
        prepared.append((x, ids, None if equal else key_padding(ids)))

    def run():
        outs = []
        for x, ids, mask in prepared:
            y = blocks(model, x, mask)
            outs.append(pool(model, y.reshape(-1, y.shape[-1]), ids.reshape(-1), x.shape[0]))
        return torch.cat(outs)
    return Method(f"padded-bucketed/{batch}", run)


def key_padding(ids):
    """(B, L) -> (B, 1, L, L): every query of a row attends the row's real keys; padding queries too (their
    outputs are never read), so no row is fully masked."""
    real = (ids >= 0).unsqueeze(1).unsqueeze(2)                          # (B, 1, 1, L)
    return real.expand(-1, 1, ids.shape[1], -1)


def one_at_a_time(model, windows):
    prepared = [embed_rows(model, [[w]]) for w in windows]

    def run():
        outs = []
        for x, ids in prepared:
            y = blocks(model, x, None)
            outs.append(pool(model, y[0], torch.zeros(y.shape[1], dtype=torch.long, device=y.device), 1))
        return torch.cat(outs)
    return Method("one-at-a-time", run)


def timed(method, device, repeats):
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(repeats):
        method.run()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / repeats * 1000


def check_outputs_agree(model, windows, row_tokens):
    """Same windows through packed rows and one at a time: the same logits (masks and pooling are right)."""
    torch.manual_seed(3)
    rows = pack(windows, row_tokens)
    x, ids = embed_rows(model, rows)
    packed = pool(model, blocks(model, x, block_mask(ids)).reshape(-1, x.shape[-1]), ids.reshape(-1), len(windows))
    order = [w for r in rows for w in r]
    alone = []
    for b, r in enumerate(rows):
        o = 0
        for t, _ in r:
            xi = x[b:b + 1, o:o + t]
            alone.append(pool(model, blocks(model, xi, None)[0], torch.zeros(t, dtype=torch.long, device=x.device), 1))
            o += t
    diff = (packed - torch.cat(alone)).abs().max().item()
    assert len(order) == len(windows)
    return diff


def run_size(label, cfg, device, dtypes, n, rounds, row_tokens):
    torch.manual_seed(0)
    base = ElasticAST(cfg).eval().to(device)
    results = {}
    for dtype in dtypes:
        model = base.to(dtype)
        line = {}
        print(f"\n{label} (d={cfg.d_model}, depth {cfg.depth}, heads {cfg.heads}), {dtype_name(dtype)}, {n} windows")
        with torch.inference_mode():
            for wl, windows in workloads(n).items():
                methods = [packed_masked(model, windows, row_tokens), packed_varlen(model, windows),
                           one_at_a_time(model, windows)]
                methods += [padded_bucketed(model, windows, b) for b in BATCH_SIZES]
                methods = [m for m in methods if m is not None]
                for m in methods:                                       # warm-up: kernels, allocator
                    timed(m, device, 1)
                samples = {m.name: [] for m in methods}
                for _ in range(rounds):                                 # interleaved rounds
                    for m in methods:
                        samples[m.name].append(timed(m, device, 1))
                med = {k: statistics.median(v) for k, v in samples.items()}
                packed = min((k for k in med if k.startswith("packed")), key=med.get)
                best = min((k for k in med if not k.startswith("packed")), key=med.get)
                line[wl] = med[best] / med[packed]
                toks = sum(w[0] for w in windows)
                density = sum(w[0] ** 2 for w in windows) / sum(
                    sum(t for t, _ in r) ** 2 for r in pack(windows, row_tokens))
                print(f"  {wl:<10} {toks:>7} tokens, attention density {density:.2f} (packed rows)")
                for k in sorted(med, key=med.get):
                    print(f"    {k:<20} median {med[k]:8.2f} ms  min {min(samples[k]):8.2f} ms"
                          f"  {n / med[k] * 1000:9.0f} windows/s")
                print(f"    packed/best = {line[wl]:.2f}  ({packed} vs {best})")
        results[dtype_name(dtype)] = line
        print(f"gpu[{dtype_name(dtype)}] {label} " + " ".join(f"packed/best_{k}={v:.2f}" for k, v in line.items()))
    return results


def dtype_name(dtype):
    return {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32"}[dtype]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtypes", default="fp16,bf16")
    ap.add_argument("--windows", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--row-tokens", type=int, default=512,
                    help="packed row length: just over a 10 s @10 ms window (496 tokens)")
    ap.add_argument("--sizes", default="shipped,vit-b",
                    help="shipped = d96/depth 3 (model/artifacts), vit-b = the paper's d768/depth 12")
    ap.add_argument("--smoke", action="store_true", help="tiny run for CI: checks outputs, times nothing real")
    args = ap.parse_args(argv)

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device here; use --device cpu (with --smoke for a quick check)")
    names = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}
    dtypes = [names[d] for d in args.dtypes.split(",")]
    sizes = {"shipped": ElasticASTConfig(d_model=96, depth=3, heads=2),
             "vit-b": ElasticASTConfig(d_model=768, depth=12, heads=12)}
    if args.smoke:
        sizes = {"smoke": ElasticASTConfig(d_model=32, depth=2, heads=2)}
        dtypes, args.windows, args.rounds = [torch.float32], 12, 1
    print(f"torch {torch.__version__}, device {device}"
          + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "")
          + f", SDPA {'yes' if HAS_SDPA else 'no (manual attention)'}")

    torch.manual_seed(0)
    check = ElasticAST(next(iter(sizes.values()))).eval().to(device)
    with torch.inference_mode():
        diff = check_outputs_agree(check, workloads(12)["mixed"], args.row_tokens)
    print(f"packed vs one-at-a-time logits, max |diff| = {diff:.2e} (fp32)")
    if diff > 1e-3:
        raise SystemExit(f"packed and one-at-a-time disagree by {diff}: masks or pooling are wrong")

    for label, cfg in sizes.items():
        run_size(label, cfg, device, dtypes, args.windows, args.rounds, args.row_tokens)


if __name__ == "__main__":
    main()
