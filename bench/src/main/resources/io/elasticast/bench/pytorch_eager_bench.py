"""PyTorch eager baseline of `elasticast bench inference` (started by the Java bench, one process for the whole run).

Builds model/elasticast.py's ElasticAST as model.json describes it, loads the ONNX file's weights where the names
match (speed does not depend on the values), and runs `forward_flat` -- the serving layout, the graph ONNX Runtime
runs -- on exactly the calls the Java side's packed layout makes (the same plan: per call its rows, per row its
windows). Talks over stdin/stdout, one JSON object per line:

  -> {"ready": true, "torch": ..., "threads": N, "blas": ..., "weights_loaded": a, "weights_total": b}
  <- {"load": "plan.json"}     plan.json: {"workloads": {key: {"windows": [[frames, shift_ms], ...],
                                                              "calls": [[[w, ...], ...], ...]}}}
  -> {"loaded": [keys]}
  <- {"run": key}              one pass over every call of the workload
  -> {"seconds": s}
  <- {"quit": true}

The Java side warms each workload up with one pass, as it does its own layouts, and interleaves the timed passes
with its own rounds.

  python3 pytorch_eager_bench.py --model-code model --config model/artifacts/model.json --threads 2
"""
import argparse
import json
import os
import sys
import time


def blas_in_use():
    """The BLAS library this process has mapped (Debian's torch links whatever libblas.so.3 points at)."""
    libs = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                name = os.path.basename(line.split()[-1]) if "/" in line else ""
                if any(k in name for k in ("blas", "mkl_rt", "libmkl", "blis")):
                    libs.add(os.path.realpath(line.split()[-1]))
    except OSError:
        pass
    return ", ".join(sorted(libs)) or "none mapped"


def load_weights(model, onnx_path):
    """The ONNX file's weights in the model: all of them through export_onnx.weights_from_onnx (the export's own
    reader, transposed initializers included) where it can, else those whose names and shapes match; (loaded, total)."""
    import torch
    try:
        from export_onnx import weights_from_onnx
        weights_from_onnx(model, onnx_path)
        return len(model.state_dict()), len(model.state_dict())
    except Exception as e:  # an older export_onnx, or a graph it cannot read: match by name below
        print(f"weights_from_onnx: {e}", file=sys.stderr)
    try:
        import onnx
        from onnx import numpy_helper
        graph = onnx.load(onnx_path).graph
    except Exception as e:  # speed does not depend on the weights; say so and go on
        print(f"weights not loaded from ONNX: {e}", file=sys.stderr)
        return 0, len(model.state_dict())
    state = model.state_dict()
    loaded = 0
    for init in graph.initializer:
        key = init.name[len("model."):] if init.name.startswith("model.") else None
        if key in state and tuple(state[key].shape) == tuple(init.dims):
            state[key] = torch.from_numpy(numpy_helper.to_array(init).copy())
            loaded += 1
    model.load_state_dict(state)
    return loaded, len(state)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-code", required=True, help="directory holding elasticast.py")
    ap.add_argument("--config", required=True, help="model.json")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import torch
    sys.path.insert(0, os.path.abspath(args.model_code))
    from elasticast import ElasticAST, ElasticASTConfig, patchify

    torch.set_num_threads(args.threads)
    meta = json.load(open(args.config))
    model = ElasticAST(ElasticASTConfig.from_model_json(meta)).eval()
    loaded, total = load_weights(model, os.path.join(os.path.dirname(os.path.abspath(args.config)), meta["onnx_file"]))
    torch.ones(64, 64) @ torch.ones(64, 64)  # maps the BLAS library before it is named
    say({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_in_use(),
         "weights_loaded": loaded, "weights_total": total})

    g = torch.Generator().manual_seed(1)
    bins = meta["num_mel_bins"]
    calls = {}
    for line in sys.stdin:
        cmd = json.loads(line)
        if "load" in cmd:
            plan = json.load(open(cmd["load"]))["workloads"]
            for key, work in plan.items():
                samples = [patchify(torch.randn(max(frames, 16), bins, generator=g)) for frames, _ in work["windows"]]
                calls[key] = [flat_call(samples, rows) for rows in work["calls"]]
            say({"loaded": sorted(plan)})
        elif "run" in cmd:
            with torch.inference_mode():
                t0 = time.perf_counter()
                for inputs in calls[cmd["run"]]:
                    model.forward_flat(*inputs)
                say({"seconds": time.perf_counter() - t0})
        elif "quit" in cmd:
            return


def flat_call(samples, rows):
    """One call's serving inputs (the Java encoder's layout): tokens row by row, window by window; rows [R, L] with
    the value T in padding slots; sample ids 0.. in that order."""
    import torch
    width = max(sum(samples[w][0].shape[0] for w in row) for row in rows)
    patches, fpos, tpos, ids, slots = [], [], [], [], []
    token = 0
    for row in rows:
        row_slots = []
        for w in row:
            p, f, t = samples[w]
            n = p.shape[0]
            patches.append(p), fpos.append(f), tpos.append(t)
            ids.append(torch.full((n,), len(ids), dtype=torch.long))
            row_slots.extend(range(token, token + n))
            token += n
        slots.append(row_slots)
    rows_t = torch.full((len(rows), width), token, dtype=torch.long)
    for r, s in enumerate(slots):
        rows_t[r, :len(s)] = torch.tensor(s, dtype=torch.long)
    return torch.cat(patches), torch.cat(fpos), torch.cat(tpos), torch.cat(ids), rows_t


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
