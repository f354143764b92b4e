"""Import a checkpoint released with the ElasticAST paper (JiuFengSC/ElasticAST, src/models/elasticast.py) as our
serving artefacts: the flat-token ONNX graph (through export_onnx.export, the one export path), model.json and a
parity fixture.

  /usr/bin/python3 model/import_checkpoint.py audio_model.pth --labels class_labels_indices.csv --out models/as527

Writes DIR/model.json, DIR/elasticast-<name>.onnx (its sha256 in model.json) and DIR/fixtures/
elasticast-<name>-parity.json (PyTorch logits of random windows, for the Java ONNX Runtime parity check).

Their network is the same design as ours (16x16 patches as df*16+dt vectors, factorised freq/time position tables,
pre-norm ViT blocks with LayerNorm eps 1e-6, attention pooling with one learned query), with two differences that
model.json records and both our PyTorch model and the export honour:
- attention_scale 1.0: their attention (blocks and pool) takes softmax(q.k) with no 1/sqrt(d_head);
- pool_residual false: their pooled vector is proj(attention) alone (ours adds the learned query back).
Their outputs were trained with BCE (AudioSet, 527 labels, multi-label; their VGGSound recipe too), so an import
writes output_activation "sigmoid". Features: the same kaldi fbank, (x - mean) / (2 * std) with their dataset
statistics (--dataset presets from their egs/*/ElasticAST.sh, or --mean/--std).

Key mapping (theirs, after dropping DataParallel's "module." prefix -> ours; d = width, C = classes):
  patch_embed.0.weight [d, 256], .bias [d]             -> patch_embed.weight, .bias (same vector layout df*16+dt)
  pos_embed_freq [F, d] (F = 8 for 128 bins)           -> pos_freq
  pos_embed_time [P, d] (P = 64: 1024 frames / 16)     -> pos_time (max_time_positions = P)
  blocks.modules_list.{i}.norm1.{weight,bias}          -> blocks.{i}.ln1
  blocks.modules_list.{i}.attn.to_q.{weight [d,d], bias}  \\
  blocks.modules_list.{i}.attn.to_kv.{weight [2d,d], bias} -> blocks.{i}.qkv = cat(to_q, to_kv) rows: (q|k|v, head, dh)
  blocks.modules_list.{i}.attn.proj.{weight,bias}      -> blocks.{i}.proj
  blocks.modules_list.{i}.norm2.{weight,bias}          -> blocks.{i}.ln2
  blocks.modules_list.{i}.mlp.fc1 / .mlp.fc2           -> blocks.{i}.mlp.0 / .mlp.2 (GELU, erf form, between)
  norm.{weight,bias}                                   -> norm
  attn_pool_queries [d]                                -> pool.query
  attn_pool.to_q / attn_pool.to_kv / attn_pool.proj    -> pool.q / pool.kv / pool.proj
  mlp_norm.{weight,bias}                               -> head_norm
  head.{weight [C,d], bias [C]}                        -> head
The head count is not in a state_dict: --heads (their recipe: 12). Their to_kv output is chunk(2): k then v, each
(head, dh), which is exactly our qkv layout after q. Any other key, a missing key or a shape that disagrees is an
error naming it.
"""
import argparse
import csv
import json
import os
import pickle
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_onnx  # noqa: E402
from elasticast import PATCH, ElasticAST, ElasticASTConfig  # noqa: E402

# their egs/<dataset>/ElasticAST.sh (window_change=False): dataset_mean, dataset_std
DATASETS = {"audioset": (-4.414, 4.905), "vggsound": (-5.08, 4.453)}
# their ElasticQuality training: frame shift int(10 * q) ms for q in 1, 1.2, ..., 4
TRAINED_FRAME_SHIFTS_MS = list(range(10, 41, 2))
THEIR_MAX_TOKEN_LEN = 2048  # their max_token_len: tokens per packed row


class CheckpointError(ValueError):
    """The file is not a state_dict of their ElasticAST (names every offending key)."""


def load_state_dict(path):
    try:
        obj = torch.load(path, map_location="cpu")
    except (OSError, EOFError, RuntimeError, pickle.UnpicklingError, ValueError) as e:
        raise CheckpointError(f"{path}: not a PyTorch checkpoint ({type(e).__name__}: {e})") from e
    for key in ("state_dict", "model_state", "model"):  # wrappers; their train script saves the bare state_dict
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise CheckpointError(f"{path}: not a state_dict (a dict of tensors)")
    return obj


def _strip_prefix(sd):
    # their train script wraps the model in nn.DataParallel before saving
    if sd and all(k.startswith("module.") for k in sd):
        return {k[len("module."):]: v for k, v in sd.items()}
    return dict(sd)


def expected_shapes(d, depth, freq_positions, time_positions, classes, mlp_ratio=4):
    """Their key -> shape for a given width/depth (src/models/elasticast.py with channels=1, qkv_bias=True)."""
    shapes = {"patch_embed.0.weight": (d, PATCH * PATCH), "patch_embed.0.bias": (d,),
              "pos_embed_freq": (freq_positions, d), "pos_embed_time": (time_positions, d),
              "norm.weight": (d,), "norm.bias": (d,), "attn_pool_queries": (d,),
              "attn_pool.to_q.weight": (d, d), "attn_pool.to_q.bias": (d,),
              "attn_pool.to_kv.weight": (2 * d, d), "attn_pool.to_kv.bias": (2 * d,),
              "attn_pool.proj.weight": (d, d), "attn_pool.proj.bias": (d,),
              "mlp_norm.weight": (d,), "mlp_norm.bias": (d,),
              "head.weight": (classes, d), "head.bias": (classes,)}
    h = mlp_ratio * d
    for i in range(depth):
        b = f"blocks.modules_list.{i}."
        shapes.update({b + "norm1.weight": (d,), b + "norm1.bias": (d,),
                       b + "attn.to_q.weight": (d, d), b + "attn.to_q.bias": (d,),
                       b + "attn.to_kv.weight": (2 * d, d), b + "attn.to_kv.bias": (2 * d,),
                       b + "attn.proj.weight": (d, d), b + "attn.proj.bias": (d,),
                       b + "norm2.weight": (d,), b + "norm2.bias": (d,),
                       b + "mlp.fc1.weight": (h, d), b + "mlp.fc1.bias": (h,),
                       b + "mlp.fc2.weight": (d, h), b + "mlp.fc2.bias": (d,)})
    return shapes


def infer_config(sd, heads):
    """Our ElasticASTConfig for their state_dict (keys already without "module."), checked key by key."""
    for k in ("patch_embed.0.weight", "pos_embed_freq", "pos_embed_time", "head.weight"):
        if k not in sd:
            raise CheckpointError(f"missing key '{k}': not an ElasticAST state_dict "
                                  f"(first keys: {', '.join(list(sd)[:5])})")
    d, patch_dim = sd["patch_embed.0.weight"].shape
    if patch_dim != PATCH * PATCH:
        raise CheckpointError(f"patch_embed.0.weight has shape {tuple(sd['patch_embed.0.weight'].shape)}: "
                              f"expected [d, {PATCH * PATCH}] (one channel, 16x16 patches)")
    depth = len({int(m.group(1)) for k in sd for m in [re.match(r"blocks\.modules_list\.(\d+)\.", k)] if m})
    if depth == 0:
        raise CheckpointError("no blocks.modules_list.<i>.* keys: not an ElasticAST state_dict")
    if d % heads:
        raise CheckpointError(f"width {d} is not divisible by --heads {heads}")
    fc1 = sd.get("blocks.modules_list.0.mlp.fc1.weight")
    mlp_ratio = fc1.shape[0] // d if fc1 is not None and fc1.shape[0] % d == 0 else 4
    freq_positions, time_positions = sd["pos_embed_freq"].shape[0], sd["pos_embed_time"].shape[0]
    classes = sd["head.weight"].shape[0]
    want = expected_shapes(d, depth, freq_positions, time_positions, classes, mlp_ratio)
    missing = [k for k in want if k not in sd]
    unexpected = [k for k in sd if k not in want]
    wrong = [f"{k}: {tuple(sd[k].shape)}, expected {want[k]}" for k in want if k in sd and tuple(sd[k].shape) != want[k]]
    if missing or unexpected or wrong:
        parts = ([f"missing keys: {', '.join(missing)}"] if missing else []) + \
                ([f"unexpected keys: {', '.join(unexpected)}"] if unexpected else []) + \
                ([f"wrong shapes: {'; '.join(wrong)}"] if wrong else [])
        raise CheckpointError(f"not an ElasticAST state_dict of width {d}, depth {depth}: " + " | ".join(parts))
    return ElasticASTConfig(d_model=d, depth=depth, heads=heads, mlp_ratio=mlp_ratio, num_classes=classes,
                            num_mel_bins=freq_positions * PATCH, max_time_positions=time_positions, token_dropout=0.0,
                            ln_eps=1e-6, attention_scale=1.0, pool_residual=False)


def convert_state_dict(sd):
    """Their key names -> ours (module docstring); tensors copied, q and kv rows concatenated."""
    sd = _strip_prefix(sd)
    ours = {"patch_embed.weight": sd["patch_embed.0.weight"], "patch_embed.bias": sd["patch_embed.0.bias"],
            "pos_freq": sd["pos_embed_freq"], "pos_time": sd["pos_embed_time"],
            "norm.weight": sd["norm.weight"], "norm.bias": sd["norm.bias"], "pool.query": sd["attn_pool_queries"],
            "head_norm.weight": sd["mlp_norm.weight"], "head_norm.bias": sd["mlp_norm.bias"],
            "head.weight": sd["head.weight"], "head.bias": sd["head.bias"]}
    for theirs, mine in (("to_q", "q"), ("to_kv", "kv"), ("proj", "proj")):
        for p in ("weight", "bias"):
            ours[f"pool.{mine}.{p}"] = sd[f"attn_pool.{theirs}.{p}"]
    i = 0
    while f"blocks.modules_list.{i}.norm1.weight" in sd:
        b, o = f"blocks.modules_list.{i}.", f"blocks.{i}."
        for p in ("weight", "bias"):
            ours[o + "ln1." + p] = sd[b + "norm1." + p]
            ours[o + "qkv." + p] = torch.cat([sd[b + "attn.to_q." + p], sd[b + "attn.to_kv." + p]], 0)
            ours[o + "proj." + p] = sd[b + "attn.proj." + p]
            ours[o + "ln2." + p] = sd[b + "norm2." + p]
            ours[o + "mlp.0." + p] = sd[b + "mlp.fc1." + p]
            ours[o + "mlp.2." + p] = sd[b + "mlp.fc2." + p]
        i += 1
    return {k: v.detach().float().clone() for k, v in ours.items()}


def build_model(sd, heads=12):
    """Their state_dict -> (our ElasticAST in eval mode with their weights, its config)."""
    sd = _strip_prefix(sd)
    cfg = infer_config(sd, heads)
    model = ElasticAST(cfg)
    model.load_state_dict(convert_state_dict(sd), strict=True)
    return model.eval(), cfg


def read_labels(path):
    """AudioSet-style CSV (index,mid,display_name; their egs/*/data/class_labels_indices.csv) or one label a line.
    Returns (display names in index order, ids or None)."""
    with open(path, newline="", encoding="utf-8") as f:
        text = f.read()
    rows = list(csv.reader(text.splitlines()))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if rows and [c.strip().lower() for c in rows[0][:3]] == ["index", "mid", "display_name"]:
        body = sorted(rows[1:], key=lambda r: int(r[0]))
        if [int(r[0]) for r in body] != list(range(len(body))):
            raise CheckpointError(f"{path}: indices are not 0..{len(body) - 1}")
        return [r[2].strip() for r in body], [r[1].strip() for r in body]
    return [",".join(r).strip() for r in rows], None


def import_checkpoint(checkpoint, labels_csv, out_dir, heads=12, frame_shifts=None, dataset="audioset", mean=None,
                      std=None, name=None, output_activation="sigmoid", fixture=True):
    """Converts and writes the artefacts; returns the model.json dict."""
    sd = load_state_dict(checkpoint)
    model, cfg = build_model(sd, heads)
    labels, label_ids = read_labels(labels_csv)
    if len(labels) != cfg.num_classes:
        raise CheckpointError(f"{labels_csv} has {len(labels)} labels, the checkpoint's head {cfg.num_classes}")
    preset_mean, preset_std = DATASETS[dataset]
    mean = preset_mean if mean is None else mean
    std = preset_std if std is None else std
    if not std > 0:
        raise CheckpointError(f"std must be positive, got {std}")
    name = name or "import-" + re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.splitext(os.path.basename(checkpoint))[0])
    shifts = sorted(frame_shifts or TRAINED_FRAME_SHIFTS_MS)
    os.makedirs(out_dir, exist_ok=True)
    onnx_file = f"elasticast-{name}.onnx"
    onnx_path = os.path.join(out_dir, onnx_file)
    export_onnx.export(model, onnx_path)
    extra = {"source": {"checkpoint": os.path.basename(checkpoint), "code": "JiuFengSC/ElasticAST",
                        "dataset": dataset, "labels_file": os.path.basename(labels_csv)}}
    if label_ids is not None:
        extra["label_ids"] = label_ids
    meta = export_onnx.model_json(
        cfg, onnx_file, export_onnx.sha256(onnx_path), f"elasticast-{name}", float(mean), float(std), shifts,
        f"{dataset} (ElasticAST release)", labels=labels, output_activation=output_activation,
        # their loader subtracts the waveform's mean before fbank; kaldi's remove_dc_offset (per frame) makes that
        # a no-op, so a featurizer without it computes the same features
        fbank_overrides={"clip_mean_subtraction": True}, extra=extra)
    meta["max_row_tokens"] = THEIR_MAX_TOKEN_LEN
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    if fixture:
        os.makedirs(os.path.join(out_dir, "fixtures"), exist_ok=True)
        with open(os.path.join(out_dir, "fixtures", f"elasticast-{name}-parity.json"), "w") as f:
            fx = export_onnx.fixture(model, onnx_file)
            # 12 unscaled (sharp) attention layers of width 768 amplify float32 rounding: ORT Java vs PyTorch was
            # 2e-4 on random ViT-B weights (1e-5 at depth 2), so the fixture allows 1e-3 rather than 1e-4
            fx["tolerance"] = 1e-3
            json.dump(fx, f)
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="their state_dict (.pth), e.g. audio_model.pth")
    ap.add_argument("--labels", required=True, help="class_labels_indices.csv (index,mid,display_name) or one label a line")
    ap.add_argument("--out", required=True, help="output model directory (model.json, .onnx, fixtures/)")
    ap.add_argument("--heads", type=int, default=12, help="attention heads (not stored in a state_dict; theirs: 12)")
    ap.add_argument("--frame-shifts", default=None,
                    help="comma-separated ms the model serves (default: their training shifts 10,12,...,40)")
    ap.add_argument("--dataset", choices=sorted(DATASETS), default="audioset",
                    help="fbank mean/std preset from their recipe (audioset -4.414/4.905, vggsound -5.08/4.453)")
    ap.add_argument("--mean", type=float, help="fbank mean (overrides --dataset)")
    ap.add_argument("--std", type=float, help="fbank std (overrides --dataset)")
    ap.add_argument("--name", help="artefact name: elasticast-<name>.onnx (default import-<checkpoint stem>)")
    ap.add_argument("--output-activation", choices=["sigmoid", "softmax"], default="sigmoid",
                    help="how the Java side turns logits into scores (their BCE training: sigmoid)")
    ap.add_argument("--no-fixture", action="store_true", help="skip the parity fixture")
    args = ap.parse_args(argv)
    try:
        shifts = [int(s) for s in args.frame_shifts.split(",")] if args.frame_shifts else None
    except ValueError:
        ap.error(f"--frame-shifts: not a comma-separated list of integers: {args.frame_shifts}")
    if shifts and any(s <= 0 for s in shifts):
        ap.error("--frame-shifts must be positive")
    torch.set_num_threads(min(4, os.cpu_count() or 1))
    try:
        meta = import_checkpoint(args.checkpoint, args.labels, args.out, args.heads, shifts, args.dataset, args.mean,
                                 args.std, args.name, args.output_activation, not args.no_fixture)
    except (CheckpointError, OSError) as e:
        print(f"import_checkpoint: error: {e}", file=sys.stderr)
        return 2
    size = os.path.getsize(os.path.join(args.out, meta["onnx_file"])) / 1e6
    print(f"wrote {os.path.join(args.out, meta['onnx_file'])} ({size:.1f} MB, d={meta['d_model']}, depth "
          f"{meta['depth']}, {len(meta['labels'])} labels, {meta['output_activation']}) and model.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
