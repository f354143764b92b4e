"""Export ElasticAST's serving graph (flat tokens, see README.md) to ONNX plus model.json and a parity fixture.

  /usr/bin/python3 model/export_onnx.py --random-init --name tiny-random      # tiny untrained model for tests
  /usr/bin/python3 model/export_onnx.py --checkpoint model/runs/elastic/ckpt.pt --name small

Writes model/artifacts/elasticast-<name>.onnx, model/artifacts/model.json (or --json-name) and
model/artifacts/fixtures/elasticast-<name>-parity.json (inputs + expected PyTorch logits).
"""
import argparse
import hashlib
import json
import os
import sys

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from elasticast import LABELS, PATCH, ElasticAST, ElasticASTConfig, ServingGraph, pack_rows, flatten_rows, patchify  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(HERE, "artifacts")
INPUT_NAMES = ["patches", "freq_pos", "time_pos", "sample_ids", "rows"]
OUTPUT_NAMES = ["logits"]
OPSET = 17
FRAME_SHIFTS_MS = [10, 15, 20, 25, 30, 35, 40]
# AudioSet statistics (AST recipe); only used by --random-init, trained models carry their training-set stats
AUDIOSET_MEAN, AUDIOSET_STD = -4.2677393, 4.5689974
TINY = dict(d_model=64, depth=2, heads=2)


def serving_example(frames_per_window, max_row_tokens, seed=0):
    """Random fbank windows of the given frame counts -> serving inputs (flat tokens + rows)."""
    g = torch.Generator().manual_seed(seed)
    samples = [patchify(torch.randn(n, 128, generator=g)) for n in frames_per_window]
    return flatten_rows(*pack_rows(samples, max_row_tokens))


def export(model: ElasticAST, path: str):
    model.eval()
    # two rows, one with several windows, padding slots present: every dynamic dim differs from the others
    example = serving_example([48, 100, 20, 64], max_row_tokens=64)
    dyn = {"patches": {0: "tokens"}, "freq_pos": {0: "tokens"}, "time_pos": {0: "tokens"},
           "sample_ids": {0: "tokens"}, "rows": {0: "rows", 1: "row_tokens"}, "logits": {0: "windows"}}
    with torch.no_grad():
        torch.onnx.export(ServingGraph(model), example, path, opset_version=OPSET, input_names=INPUT_NAMES,
                          output_names=OUTPUT_NAMES, dynamic_axes=dyn, do_constant_folding=True)
    graph = onnx.load(path)
    fuse_skip_layer_norm(graph)
    onnx.checker.check_model(graph)
    onnx.save(graph, path)


def fuse_skip_layer_norm(model_proto):
    """Add -> LayerNormalization pairs (residual add, then norm) become ONNX Runtime's SkipLayerNormalization,
    which also returns the sum for the residual stream (when anything reads it). ORT's own fusion left these pairs
    alone in ORT 1.29 (flat [T, d] and [1, T, d] alike), and its CPU LayerNormalization kernel took 714 us on
    [3000, 96] here where SkipLayerNormalization plus a separate Add took 155 us. Only adds of two computed
    tensors are fused (an add of a weight may broadcast, which SkipLayerNormalization does not)."""
    graph = model_proto.graph
    weights = {w.name for w in graph.initializer}
    outputs = {o.name for o in graph.output}
    producer = {out: node for node in graph.node for out in node.output}
    fused = []
    for ln in [n for n in graph.node if n.op_type == "LayerNormalization"]:
        add = producer.get(ln.input[0])
        if (add is None or add.op_type != "Add" or any(i in weights for i in add.input) or len(ln.output) != 1
                or add not in graph.node):  # an add read by two norms is fused into the first only
            continue
        eps = next((a.f for a in ln.attribute if a.name == "epsilon"), 1e-5)
        axis = next((a.i for a in ln.attribute if a.name == "axis"), -1)
        assert axis == -1, f"{ln.name}: SkipLayerNormalization normalises the last axis only"
        sum_read_elsewhere = (add.output[0] in outputs
                              or any(add.output[0] in n.input for n in graph.node if n is not ln))
        skip = onnx.helper.make_node("SkipLayerNormalization", [add.input[0], add.input[1], ln.input[1], ln.input[2]],
                                     [ln.output[0], "", "", add.output[0] if sum_read_elsewhere else ""],
                                     name=ln.name + "/skip",
                                     domain="com.microsoft", epsilon=eps)
        graph.node.insert(list(graph.node).index(add), skip)   # where the sum was made: inputs ready, users after
        graph.node.remove(add)
        graph.node.remove(ln)
        fused.append(skip.name)
    if fused and not any(o.domain == "com.microsoft" for o in model_proto.opset_import):
        model_proto.opset_import.append(onnx.helper.make_opsetid("com.microsoft", 1))
    return fused


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_json(cfg: ElasticASTConfig, onnx_file, digest, model_id, mean, std, frame_shifts, recipe, labels=None,
               output_activation="softmax", fbank_overrides=None, extra=None):
    """model.json: what the Java side reads (labels, patch/fbank recipe, mean/std, activation, ...) plus the network's
    shape and switches (`attention_scale`, `pool_residual`), from which `ElasticASTConfig.from_model_json` rebuilds
    the network that made the graph. `extra` adds keys (e.g. an import's provenance)."""
    labels = list(LABELS if labels is None else labels)
    assert len(labels) == cfg.num_classes, f"{len(labels)} labels for a {cfg.num_classes}-class head"
    meta = {
        "model_id": model_id,
        "labels": labels,
        "patch_size": PATCH,
        "num_mel_bins": cfg.num_mel_bins,
        "frame_shifts_ms": frame_shifts,
        "max_time_positions": cfg.max_time_positions,
        "max_row_tokens": 2048,
        "mean": mean,
        "std": std,
        "normalisation": "(x - mean) / (2 * std)",
        "output_activation": output_activation,
        "onnx_file": onnx_file,
        "sha256": digest,
        "opset": OPSET,
        "data_recipe_version": recipe,
        "inputs": INPUT_NAMES,
        "outputs": OUTPUT_NAMES,
        "d_model": cfg.d_model,
        "depth": cfg.depth,
        "heads": cfg.heads,
        "mlp_ratio": cfg.mlp_ratio,
        "ln_eps": cfg.ln_eps,
        "attention_scale": cfg.scale,
        "pool_residual": cfg.pool_residual,
        "fbank": {"frame_length_ms": 25, "window_type": "hanning", "htk_compat": True, "use_energy": False,
                  "dither": 0.0, "sample_frequency": 16000, "remove_dc_offset": True, "preemphasis_coefficient": 0.97,
                  "clip_mean_subtraction": False, **(fbank_overrides or {})},
    }
    meta.update(extra or {})
    return meta


def fixture(model: ElasticAST, onnx_file, seed=1):
    """Parity fixture: five windows of different lengths packed into rows of 96 tokens (several windows per
    row, padding slots), inputs and expected logits as flat row-major lists with shapes."""
    patches, freq_pos, time_pos, sample_ids, rows = serving_example([16, 40, 100, 33, 160, 17], 96, seed)
    with torch.no_grad():
        logits = model.eval().forward_flat(patches, freq_pos, time_pos, sample_ids, rows)

    def t(x, dtype):
        return {"dtype": dtype, "shape": list(x.shape), "data": x.reshape(-1).tolist()}
    return {
        "onnx_file": onnx_file,
        "tolerance": 1e-4,
        "inputs": {"patches": t(patches, "float32"), "freq_pos": t(freq_pos, "int64"),
                   "time_pos": t(time_pos, "int64"), "sample_ids": t(sample_ids, "int64"), "rows": t(rows, "int64")},
        "outputs": {"logits": t(logits, "float32")},
    }


def audio_fixture(model: ElasticAST, onnx_file, mean, std, seconds=2.0):
    """End-to-end fixture: 16-bit PCM of two synthetic test clips (speech, siren; recipe in data.py), each cut to
    `seconds`, featurised at 10 and 40 ms, normalised, patchified, packed into rows of the longest window, one call."""
    import data
    clips = [w[: int(seconds * data.SR)] for _, w, _ in data.make_batch(data.SPLIT_SEEDS["test"], [0, 1])]
    windows, samples = [], []
    for c, pcm in enumerate(clips):
        wave = torch.from_numpy(pcm.astype("float32") / 32768.0)
        for shift in (10, 40):
            fb = data.fbank(wave, shift)
            samples.append(patchify(data.normalise(fb, mean, std)))
            windows.append({"clip": c, "frame_shift_ms": shift, "frames": fb.shape[0],
                            "fbank_first_frame": fb[0].tolist(), "tokens": samples[-1][0].shape[0]})
    flat = flatten_rows(*pack_rows(samples, max(s[0].shape[0] for s in samples)))
    with torch.no_grad():
        logits = model.eval().forward_flat(*flat)
    return {"onnx_file": onnx_file, "sample_rate": 16000, "pcm16_scale": "sample / 32768.0",
            "mean": mean, "std": std, "clips_pcm16": [c.tolist() for c in clips], "windows": windows,
            "rows": flat[4].tolist(), "logits": logits.tolist(), "tolerance": 2e-3}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", help="checkpoint written by train.py")
    ap.add_argument("--random-init", action="store_true", help="untrained tiny model (d=64, depth 2, 2 heads)")
    ap.add_argument("--name", required=True, help="artifact name: elasticast-<name>.onnx")
    ap.add_argument("--json-name", default="model.json", help="metadata file name in the artifacts dir")
    ap.add_argument("--out-dir", default=ARTIFACTS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--audio-fixture", action="store_true", help="also write the PCM -> logits fixture")
    ap.add_argument("--thresholds", help="evaluate.py --set's thresholds.json: per-label thresholds into model.json")
    args = ap.parse_args()
    if bool(args.checkpoint) == bool(args.random_init):
        ap.error("give exactly one of --checkpoint or --random-init")
    torch.manual_seed(args.seed)
    if args.random_init:
        cfg = ElasticASTConfig(**TINY)
        model = ElasticAST(cfg)
        mean, std, shifts, recipe = AUDIOSET_MEAN, AUDIOSET_STD, FRAME_SHIFTS_MS, "none (random init)"
        activation, labels = "softmax", None
    else:
        ckpt = torch.load(args.checkpoint, map_location="cpu")
        cfg = ElasticASTConfig(**ckpt["model_args"])
        model = ElasticAST(cfg)
        model.load_state_dict(ckpt["model"])
        mean, std = ckpt["mean"], ckpt["std"]
        shifts, recipe = ckpt.get("frame_shifts_ms", FRAME_SHIFTS_MS), ckpt["data_recipe_version"]
        activation, labels = ckpt.get("output_activation", "softmax"), ckpt.get("labels")
    model.eval()
    os.makedirs(os.path.join(args.out_dir, "fixtures"), exist_ok=True)
    onnx_file = f"elasticast-{args.name}.onnx"
    onnx_path = os.path.join(args.out_dir, onnx_file)
    export(model, onnx_path)
    extra = {"thresholds": json.load(open(args.thresholds))["thresholds"]} if args.thresholds else None
    meta = model_json(cfg, onnx_file, sha256(onnx_path), f"elasticast-{args.name}", mean, std, shifts, recipe,
                      labels=labels, output_activation=activation, extra=extra)
    with open(os.path.join(args.out_dir, args.json_name), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.out_dir, "fixtures", f"elasticast-{args.name}-parity.json"), "w") as f:
        json.dump(fixture(model, onnx_file), f)
    if args.audio_fixture:
        with open(os.path.join(args.out_dir, "fixtures", f"elasticast-{args.name}-audio.json"), "w") as f:
            json.dump(audio_fixture(model, onnx_file, mean, std), f)
    size = os.path.getsize(onnx_path) / 1e6
    print(f"wrote {onnx_path} ({size:.2f} MB), {args.json_name}, fixtures/elasticast-{args.name}-parity.json")


if __name__ == "__main__":
    main()
