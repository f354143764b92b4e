"""CUDA execution-provider check of the serving graph (run on a GPU machine with Python onnxruntime-gpu).

The Java GPU build (-Pgpu) uses the same ONNX Runtime CUDA EP; this script checks, from the repo root,
that the exported flat-token graph runs on it:
  1. the committed parity fixture on CUDA equals the PyTorch logits (<= 1e-4);
  2. windows packed together score as each alone (<= 1e-4) on CUDA;
  3. windows/s one at a time vs packed (one window per row, rows grouped by length, ~budget tokens
     per call) for a seeded 0.5-10 s mix and for 1 s windows, per model*.json in model/artifacts.

  python3 inference-operator/scripts/cuda_ep_check.py [--budget 16384] [--extra other/model.json ...]
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import onnxruntime as ort

ART = "model/artifacts"
SHIFTS = [10, 15, 20, 25, 30, 35, 40]


def session(path, cuda):
    providers = (["CUDAExecutionProvider"] if cuda else []) + ["CPUExecutionProvider"]
    return ort.InferenceSession(path, providers=providers)


def flat_call(windows, rows_of, rng_seed=0):
    """windows: list of token counts (multiples of 8); rows_of: list of lists of window indices (one row each).
    Returns the serving inputs with sample ids in row order."""
    rng = np.random.default_rng(rng_seed)
    order = [w for row in rows_of for w in row]
    T = sum(windows[w] for w in order)
    width = max(sum(windows[w] for w in row) for row in rows_of)
    patches = rng.standard_normal((T, 256), dtype=np.float32)
    freq = np.zeros(T, np.int64); time_pos = np.zeros(T, np.int64); ids = np.zeros(T, np.int64)
    rows = np.full((len(rows_of), width), T, np.int64)
    t = 0; k = 0
    for r, row in enumerate(rows_of):
        slot = 0
        for w in row:
            n = windows[w]
            freq[t:t + n] = np.arange(n) % 8
            time_pos[t:t + n] = np.arange(n) // 8
            ids[t:t + n] = k
            rows[r, slot:slot + n] = np.arange(t, t + n)
            t += n; slot += n; k += 1
    return {"patches": patches, "freq_pos": freq, "time_pos": time_pos, "sample_ids": ids, "rows": rows}, order


def tokens_for(seconds, shift):
    frames = 1 + (int(round(seconds * 16000)) - 400) // (16 * shift)
    return (frames // 16) * 8


def mixed(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        t = tokens_for(0.5 + 9.5 * rng.random(), SHIFTS[rng.integers(len(SHIFTS))])
        if t > 0:
            out.append(t)
    return out


def packed_calls(windows, budget):
    """Largest first, one window per row, a new call when the token budget is full."""
    order = sorted(range(len(windows)), key=lambda i: -windows[i])
    calls, cur, used = [], [], 0
    for i in order:
        if cur and used + windows[i] > budget:
            calls.append(cur); cur, used = [], 0
        cur.append([i]); used += windows[i]
    if cur:
        calls.append(cur)
    return calls


def time_modes(sess, windows, budget, rounds=5):
    ones = [flat_call(windows, [[i]], i)[0] for i in range(len(windows))]
    packs = [flat_call(windows, c, j)[0] for j, c in enumerate(packed_calls(windows, budget))]
    res = {}
    for name, feeds in (("one", ones), ("packed", packs)):
        for f in feeds[:3]:
            sess.run(["logits"], f)  # warm-up (CUDA kernels, allocator)
        ts = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for f in feeds:
                sess.run(["logits"], f)
            ts.append(time.perf_counter() - t0)
        res[name] = len(windows) / np.median(ts)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=int, default=16384)
    ap.add_argument("--extra", nargs="*", default=[], help="more model*.json files to time")
    args = ap.parse_args()
    print("onnxruntime", ort.__version__, "device", ort.get_device(), "providers", ort.get_available_providers())

    fx = json.load(open(os.path.join(ART, "fixtures", "elasticast-tiny-random-parity.json")))
    onnx_path = os.path.join(ART, fx["onnx_file"])
    cuda = session(onnx_path, True)
    print("session providers:", cuda.get_providers())
    assert cuda.get_providers()[0] == "CUDAExecutionProvider", "CUDA EP not active"
    feeds = {k: np.array(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for k, v in fx["inputs"].items()}
    expected = np.array(fx["outputs"]["logits"]["data"], np.float32).reshape(fx["outputs"]["logits"]["shape"])
    err = float(np.abs(cuda.run(["logits"], feeds)[0] - expected).max())
    print(f"1. fixture on CUDA: max |CUDA - PyTorch| = {err:.3g}  {'OK' if err <= 1e-4 else 'FAIL'}")

    windows = mixed(24, 7)
    rows = [[i] for i in range(len(windows))]
    packed_in, order = flat_call(windows, rows, 0)
    packed_logits = cuda.run(["logits"], packed_in)[0]
    worst = 0.0
    t = 0
    for k, w in enumerate(order):
        n = windows[w]
        alone = {"patches": packed_in["patches"][t:t + n], "freq_pos": packed_in["freq_pos"][t:t + n],
                 "time_pos": packed_in["time_pos"][t:t + n], "sample_ids": np.zeros(n, np.int64),
                 "rows": np.arange(n, dtype=np.int64)[None, :]}
        worst = max(worst, float(np.abs(cuda.run(["logits"], alone)[0][0] - packed_logits[k]).max()))
        t += n
    print(f"2. packed vs alone on CUDA, {len(windows)} windows: max diff = {worst:.3g}  {'OK' if worst <= 1e-4 else 'FAIL'}")

    for cfg_path in sorted(glob.glob(os.path.join(ART, "model*.json"))) + args.extra:
        cfg = json.load(open(cfg_path))
        path = os.path.join(os.path.dirname(cfg_path), cfg["onnx_file"])
        s = session(path, True)
        for name, ws in (("mixed 0.5-10 s", mixed(256, 42)), ("1 s @10 ms", [48] * 512)):
            r = time_modes(s, ws, args.budget)
            print(f"3. {os.path.basename(cfg_path)} (d={cfg.get('d_model')}, depth {cfg.get('depth')}) {name}: "
                  f"one {r['one']:.0f}/s  packed {r['packed']:.0f}/s  packed/one={r['packed'] / r['one']:.2f}")


if __name__ == "__main__":
    main()
