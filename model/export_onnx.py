"""Export ElasticAST's serving graph (flat tokens, see README.md) to ONNX plus model.json and a parity fixture.

  /usr/bin/python3 model/export_onnx.py --random-init --name tiny-random      # tiny untrained model for tests
  /usr/bin/python3 model/export_onnx.py --checkpoint model/runs/elastic/ckpt.pt --name small
  /usr/bin/python3 model/export_onnx.py --from-onnx model/artifacts --name small  # re-export a shipped graph's weights

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
from elasticast import LABELS, PATCH, ElasticAST, ElasticASTConfig, attend, pack_rows, flatten_rows, patchify  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(HERE, "artifacts")
INPUT_NAMES = ["patches", "freq_pos", "time_pos", "sample_ids", "rows"]
OUTPUT_NAMES = ["logits"]
OPSET = 17
FRAME_SHIFTS_MS = [10, 15, 20, 25, 30, 35, 40]
# AudioSet statistics (AST recipe); only used by --random-init, trained models carry their training-set stats
AUDIOSET_MEAN, AUDIOSET_STD = -4.2677393, 4.5689974
TINY = dict(d_model=64, depth=2, heads=2)


class RowAttention(torch.autograd.Function):
    """One block's attention as ONNX Runtime's fused `com.microsoft.Attention` kernel: the qkv projection and every
    head's masked softmax(q k^T scale) v over rows [R, L] in one op, with no layout moves between them. Traced by
    its PyTorch forward (the same arithmetic as `elasticast.attend`); exported as the contrib op."""

    @staticmethod
    def forward(ctx, x, weight, bias, mask, heads: int, scale: float):
        R, L, d = x.shape
        q, k, v = (x @ weight + bias).reshape(R, L, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
        o = attend(q, k, v, (1 - mask.unsqueeze(1).float()) * MASK_FILTER, scale)      # (R, H, L, dh)
        return o.permute(0, 2, 1, 3).reshape(R, L, d)

    @staticmethod
    def symbolic(g, x, weight, bias, mask, heads, scale):
        out = g.op("com.microsoft::Attention", x, weight, bias, mask, num_heads_i=heads, scale_f=scale,
                   mask_filter_value_f=MASK_FILTER)
        out.setType(x.type())  # (R, L, d), as its input
        return out


MASK_FILTER = -10000.0  # what a masked key adds to a score (the kernel's default); exp() of it is 0 in float32


class ServingGraph(torch.nn.Module):
    """The exported module: the serving contract's inputs -> logits [N, C], the same function as
    `ElasticAST.forward_flat` (README "Serving contract"), laid out for ONNX Runtime's CPU kernels.

    The patch embedding and frequency positions run on the T real tokens; then the tokens move into their attention
    rows once (`rows` [R, L]; the padding slot T reads a zero vector, sample id -1) and every block runs dense on the
    R*L row slots: ORT's fused Attention (qkv projection and multi-head attention, masked block-diagonally by the
    slots' sample ids), projection, MLP. No block moves a token between layouts (forward_flat gathers q, k and v
    into rows and the output back, in every block); padding slots compute values that nothing reads (masked as keys,
    their queries see padding only, never pooled), so the planner keeps them few. Pooling runs over the slots."""

    def __init__(self, model: ElasticAST):
        super().__init__()
        self.model = model

    def forward(self, patches, freq_pos, time_pos, sample_ids, rows):
        m = self.model
        x = m.patch_embed(patches) + m.pos_freq[freq_pos]                   # (T, d)
        x = torch.cat([x, x[:1] * 0])                                      # (T+1, d): slot T is padding
        ids = torch.cat([sample_ids, sample_ids[:1] * 0 - 1])               # (T+1,)
        tpos = torch.cat([time_pos, time_pos[:1] * 0])
        R, L = rows.shape[0], rows.shape[1]
        slots = rows.reshape(-1)                                           # (R*L,)
        x = x[slots] + m.pos_time[tpos[slots]]                             # (R*L, d); the add fuses into the norm
        slot_ids = ids[slots]
        row_ids = slot_ids.reshape(R, L)
        mask = (row_ids.unsqueeze(-1) == row_ids.unsqueeze(-2)).to(torch.int32)   # (R, L, L): 1 = attend
        for blk in m.blocks:
            d = blk.heads * blk.d_head
            o = RowAttention.apply(blk.ln1(x).reshape(R, L, d), blk.qkv.weight.t(), blk.qkv.bias, mask, blk.heads,
                                   blk.scale)
            x = x + blk.proj(o.reshape(-1, d))
            x = x + blk.mlp(blk.ln2(x))
        # window ids 0..N-1 without a Python int: positions marked by some token's sample id
        present = torch.zeros_like(ids).scatter(0, sample_ids, torch.ones_like(sample_ids))
        window_ids = torch.nonzero(present)[:, 0]
        return m.classify(x, slot_ids, window_ids)


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
                          output_names=OUTPUT_NAMES, dynamic_axes=dyn, do_constant_folding=True,
                          custom_opsets={"com.microsoft": 1})
    graph = onnx.load(path)
    fuse_skip_layer_norm(graph)
    if not any(o.domain == "com.microsoft" for o in graph.opset_import):
        graph.opset_import.append(onnx.helper.make_opsetid("com.microsoft", 1))
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


def weights_from_onnx(model: ElasticAST, onnx_path: str):
    """Loads the weights of a graph this script exported into `model`: every initializer named `model.<key>`, and the
    weights the exporter keeps transposed under generated names (the pool's query projection, /pool/q/MatMul's second
    operand; each block's qkv weight, its Attention op's second operand) and those it stored once for several equal
    tensors (an Identity names the others). Fails on anything missing."""
    from onnx import numpy_helper
    graph = onnx.load(onnx_path).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state = model.state_dict()
    found = {}
    for key in state:
        if "model." + key in inits:
            found[key] = torch.from_numpy(inits["model." + key].copy())
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits and not node.input[1].startswith("model."):
            key = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".") + ".weight"
            if key in state and key not in found:
                found[key] = torch.from_numpy(inits[node.input[1]].T.copy())
        if node.op_type == "Attention" and node.input[2].startswith("model."):  # weight [d, 3d] next to its bias
            key = node.input[2][len("model."):-len(".bias")] + ".weight"
            found[key] = torch.from_numpy(inits[node.input[1]].T.copy())
        if node.op_type == "Identity" and node.input[0] in inits and node.output[0].startswith("model."):
            found[node.output[0][len("model."):]] = torch.from_numpy(inits[node.input[0]].copy())  # deduplicated
    missing = sorted(set(state) - set(found))
    assert not missing, f"{onnx_path} lacks weights for {missing}"
    for key, value in found.items():
        assert tuple(value.shape) == tuple(state[key].shape), f"{key}: {tuple(value.shape)} in {onnx_path}"
    model.load_state_dict(found)
    return model


def fixture_tensors(fx):
    """(forward_flat's inputs in INPUT_NAMES order, expected logits) of a parity fixture this script wrote."""
    args = [torch.tensor(fx["inputs"][n]["data"], dtype=torch.float32 if fx["inputs"][n]["dtype"] == "float32"
                         else torch.long).reshape(fx["inputs"][n]["shape"]) for n in INPUT_NAMES]
    return args, torch.tensor(fx["outputs"]["logits"]["data"]).reshape(fx["outputs"]["logits"]["shape"])


def from_onnx(path):
    """(model, meta) of an exported model directory or model*.json: the network model.json describes, with the weights
    of the ONNX file it names, checked against the model's committed parity fixture when there is one."""
    meta_path = os.path.join(path, "model.json") if os.path.isdir(path) else path
    meta = json.load(open(meta_path))
    folder = os.path.dirname(os.path.abspath(meta_path))
    model = weights_from_onnx(ElasticAST(ElasticASTConfig.from_model_json(meta)).eval(),
                              os.path.join(folder, meta["onnx_file"]))
    name = meta["onnx_file"][len("elasticast-"):-len(".onnx")] if meta["onnx_file"].startswith("elasticast-") else None
    fixture_path = os.path.join(folder, "fixtures", f"elasticast-{name}-parity.json")
    if name and os.path.exists(fixture_path):
        args, expected = fixture_tensors(json.load(open(fixture_path)))
        with torch.no_grad():
            got = model.forward_flat(*args)
        diff = (got - expected).abs().max().item()
        assert diff <= 1e-4, f"weights read from {meta['onnx_file']} give logits {diff} off its parity fixture"
    return model, meta


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", help="checkpoint written by train.py")
    ap.add_argument("--random-init", action="store_true", help="untrained tiny model (d=64, depth 2, 2 heads)")
    ap.add_argument("--from-onnx", metavar="DIR|JSON", help="an exported model (model.json + ONNX): its weights and "
                    "metadata, through today's export (e.g. after the serving graph changed)")
    ap.add_argument("--name", required=True, help="artifact name: elasticast-<name>.onnx")
    ap.add_argument("--json-name", default="model.json", help="metadata file name in the artifacts dir")
    ap.add_argument("--out-dir", default=ARTIFACTS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--audio-fixture", action="store_true", help="also write the PCM -> logits fixture")
    ap.add_argument("--thresholds", help="evaluate.py --set's thresholds.json: per-label thresholds into model.json")
    args = ap.parse_args()
    if sum(map(bool, (args.checkpoint, args.random_init, args.from_onnx))) != 1:
        ap.error("give exactly one of --checkpoint, --random-init or --from-onnx")
    torch.manual_seed(args.seed)
    extra = None
    if args.from_onnx:
        model, old = from_onnx(args.from_onnx)
        cfg = model.cfg
        mean, std, shifts, recipe = old["mean"], old["std"], old["frame_shifts_ms"], old["data_recipe_version"]
        activation, labels = old["output_activation"], old["labels"]
        made = model_json(cfg, "", "", "", mean, std, shifts, recipe, labels=labels, output_activation=activation)
        extra = {k: v for k, v in old.items() if k not in made or k in ("fbank", "model_id")}
    elif args.random_init:
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
    if args.thresholds:
        extra = {**(extra or {}), "thresholds": json.load(open(args.thresholds))["thresholds"]}
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
