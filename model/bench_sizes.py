"""Forward cost of trained monitoring models side by side: tokens/s on one thread, interleaved rounds.

  /usr/bin/python3 model/bench_sizes.py --set DIR CKPT|dDxN [...] [--rounds 5] [--clips 300]

A model is a checkpoint, or `d128x4` for an untrained d=128, depth 4, 2-head network (the forward cost does not
depend on the weights). Every model classifies the same windows (the first --clips test clips of dataset.py's set, native length at
10 ms, packed as train.predict packs them); each round times every model once, in turn. Prints min and median
tokens/s per model and the ratio of each median to the first model's. Run it under the CPU lock: the machine is
shared.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate  # noqa: E402
import train  # noqa: E402
from elasticast import ElasticAST, ElasticASTConfig  # noqa: E402


def load(spec):
    """(model, checkpoint dict or None) for a checkpoint path or a `dDxN` size."""
    if os.path.exists(spec):
        return evaluate.load(spec)
    d, depth = spec.lstrip("d").split("x")
    return ElasticAST(ElasticASTConfig(d_model=int(d), depth=int(depth), heads=2)).eval(), None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--set", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--clips", type=int, default=300)
    args = ap.parse_args()
    torch.set_num_threads(1)
    models = [load(c) for c in args.checkpoints]
    stats = next((c for _, c in models if c), None) or json.load(open(os.path.join(args.set, "stats.json")))
    test = train.FbankSet(os.path.join(args.set, "test.pt"), stats["mean"], stats["std"], 3072, args.clips)
    tokens = [train.clip_tokens_from_fbank(test.get(i, 10), test.mean, test.std) for i in range(len(test))]
    total = sum(t[0].shape[0] for t in tokens)
    longest = max(t[0].shape[0] for t in tokens)
    times = [[] for _ in models]
    for model, _ in models:                                   # warm-up
        train.predict(model, tokens, longest)
    for _ in range(args.rounds):
        for k, (model, _) in enumerate(models):
            t0 = time.perf_counter()
            train.predict(model, tokens, longest)
            times[k].append(time.perf_counter() - t0)
    print(f"{len(tokens)} windows, {total} tokens, {args.rounds} interleaved rounds, 1 thread")
    base = None
    for path, (model, _), ts in zip(args.checkpoints, models, times):
        rate = [total / t for t in ts]
        med = statistics.median(rate)
        base = base or med
        params = sum(p.numel() for p in model.parameters())
        cfg = model.cfg
        print(f"d={cfg.d_model} depth={cfg.depth} heads={cfg.heads} params={params / 1e6:.2f}M "
              f"tokens/s min {min(rate):.0f} median {med:.0f} (x{med / base:.2f} of the first)  {path}")


if __name__ == "__main__":
    main()
