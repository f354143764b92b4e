"""PyTorch eager baseline for `elasticast bench inference` (run by the Java bench, not by hand).

Builds model/elasticast.py's ElasticAST with model.json's size, loads the weights the ONNX file
carries where their names match (speed does not depend on the values), and times two eager
layouts on the bench's workload: one window at a time and padded batches (each window padded to
the longest of its batch, masked: forward_rows). Prints one JSON object. With --matmul-onnx it
instead writes a one-MatMul ONNX graph for the Java side's machine-limit measurement, and with
--linear-onnx a graph of the model's linear layers alone (the ceiling of what the model can reach).

  python3 pytorch_eager_bench.py --model-code model --config model.json --workload w.json --threads 2
"""
import argparse
import json
import sys
import time


def matmul_graph(path, k, n):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(0)
    b = numpy_helper.from_array(rng.standard_normal((k, n)).astype(np.float32), "b")
    graph = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "matmul",
                              [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["m", k])],
                              [helper.make_tensor_value_info("c", TensorProto.FLOAT, ["m", n])], [b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def linear_graph(path, d, depth, patch_values=256, mlp_ratio=4):
    """The model's linear layers and nothing else, on [m, patch_values] tokens: patch embedding, per block
    qkv / proj / MLP (each block's output feeds the next), the pool's kv. Random weights."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(0)
    weights, nodes, outputs = [], [], []

    def gemm(name, x, k, n):
        weights.append(numpy_helper.from_array((0.05 * rng.standard_normal((k, n))).astype(np.float32), name + ".w"))
        weights.append(numpy_helper.from_array(np.zeros(n, np.float32), name + ".b"))
        nodes.append(helper.make_node("Gemm", [x, name + ".w", name + ".b"], [name]))
        return name

    x = gemm("embed", "a", patch_values, d)
    for b in range(depth):
        outputs += [(gemm(f"qkv{b}", x, d, 3 * d), 3 * d), (gemm(f"proj{b}", x, d, d), d)]
        x = gemm(f"fc2_{b}", gemm(f"fc1_{b}", x, d, mlp_ratio * d), mlp_ratio * d, d)
    outputs += [(gemm("pool_kv", x, d, 2 * d), 2 * d)]
    graph = helper.make_graph(nodes, "linear", [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["m", patch_values])],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, ["m", n]) for o, n in outputs], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-code", required=True, help="directory holding elasticast.py")
    ap.add_argument("--config", help="model.json")
    ap.add_argument("--workload", help="JSON: {'sets': {name: [[frames, shift_ms], ...]}, 'rounds': R, 'batch': B}")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--matmul-onnx", help="write a MatMul [m,K]x[K,N] graph here and exit")
    ap.add_argument("--k", type=int, default=192)
    ap.add_argument("--n", type=int, default=768)
    ap.add_argument("--linear-onnx", help="write the linear-layers-only graph (d = --k, --depth) here and exit")
    ap.add_argument("--depth", type=int, default=6)
    args = ap.parse_args()
    if args.matmul_onnx or args.linear_onnx:
        if args.matmul_onnx:
            matmul_graph(args.matmul_onnx, args.k, args.n)
        if args.linear_onnx:
            linear_graph(args.linear_onnx, args.k, args.depth)
        return

    import os
    import torch
    sys.path.insert(0, args.model_code)
    from elasticast import ElasticAST, ElasticASTConfig, pack_rows, patchify

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg_json = json.load(open(args.config))
    cfg = ElasticASTConfig(d_model=cfg_json["d_model"], depth=cfg_json["depth"], heads=cfg_json["heads"],
                           num_mel_bins=cfg_json["num_mel_bins"], max_time_positions=cfg_json["max_time_positions"],
                           num_classes=len(cfg_json["labels"]))
    model = ElasticAST(cfg).eval()
    loaded = 0
    try:
        import onnx
        from onnx import numpy_helper
        graph = onnx.load(os.path.join(os.path.dirname(args.config), cfg_json["onnx_file"])).graph
        state = model.state_dict()
        for init in graph.initializer:
            key = init.name[len("model."):] if init.name.startswith("model.") else None
            if key in state and tuple(state[key].shape) == tuple(init.dims):
                state[key] = torch.from_numpy(numpy_helper.to_array(init).copy())
                loaded += 1
        model.load_state_dict(state)
    except Exception as e:  # speed does not depend on the weights; say so and go on
        print(f"weights not loaded from ONNX: {e}", file=sys.stderr)

    work = json.load(open(args.workload))
    batch = work.get("batch", 8)
    rounds = work.get("rounds", 3)
    g = torch.Generator().manual_seed(1)
    result = {"weights_loaded": loaded, "weights_total": len(model.state_dict()), "sets": {}}

    def one(samples):
        for s in samples:
            p, fpos, tpos, ids = pack_rows([s], s[0].shape[0])
            model.forward_rows(p, fpos, tpos, ids, 1)

    def padded(samples):
        for i in range(0, len(samples), batch):
            group = samples[i:i + batch]
            longest = max(s[0].shape[0] for s in group)
            # every window alone in its row, padded to the longest (ids -1 mask the padding)
            p = torch.zeros(len(group), longest, group[0][0].shape[1])
            fpos = torch.zeros(len(group), longest, dtype=torch.long)
            tpos = torch.zeros(len(group), longest, dtype=torch.long)
            ids = torch.full((len(group), longest), -1, dtype=torch.long)
            for b, (sp, sf, st) in enumerate(group):
                n = sp.shape[0]
                p[b, :n], fpos[b, :n], tpos[b, :n], ids[b, :n] = sp, sf, st, b
            model.forward_rows(p, fpos, tpos, ids, len(group))

    for name, windows in work["sets"].items():
        samples = [patchify(torch.randn(frames, cfg.num_mel_bins, generator=g)) for frames, _ in windows]
        times = {"one": [], "padded": []}
        with torch.inference_mode():
            one(samples[:2]); padded(samples[:batch])  # warm-up
            for _ in range(rounds):
                for mode, fn in (("one", one), ("padded", padded)):
                    t0 = time.perf_counter()
                    fn(samples)
                    times[mode].append(time.perf_counter() - t0)
        result["sets"][name] = times
    print(json.dumps(result))


if __name__ == "__main__":
    main()
