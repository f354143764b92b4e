"""Packed training of ElasticAST and of fixed-shape AST baselines (same backbone).

  /usr/bin/python3 model/train.py --run elastic            # variable length + frame shift per sample
  /usr/bin/python3 model/train.py --run fixed-10s-10ms     # pad/crop to 10 s at 10 ms (AST-style)

Runs are plain data (RUNS below); flags override single fields. Checkpoints: model/runs/<run>/ckpt.pt
(model_args, weights, mean/std, run config, history), log: model/runs/<run>/log.jsonl.
"""
import argparse
import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from elasticast import LABELS, PATCH, ElasticAST, ElasticASTConfig, pack_rows, patchify  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS_DIR = os.path.join(HERE, "runs")
ELASTIC_SHIFTS_MS = [10, 15, 20, 25, 30, 35, 40]


@dataclass
class RunConfig:
    run: str = "elastic"
    mode: str = "elastic"            # "elastic": native length, shift drawn per sample; "fixed": pad/crop one shape
    fixed_seconds: float = 10.0      # fixed mode: input length (frames = seconds*1000/shift, cut to x16)
    fixed_shift_ms: int = 10         # fixed mode: the one frame shift
    d_model: int = 96                # sized for ~0.5 of 2 shared CPU cores: 4 models + evaluation in ~70 min
    depth: int = 3
    heads: int = 2                   # dh=64; attention's L x L passes cost per head, and they dominate on CPU
    epochs: int = 3
    lr: float = 1e-3
    min_lr: float = 5e-5
    warmup_steps: int = 60
    weight_decay: float = 0.05
    step_tokens: int = 2048          # tokens per optimiser step (sum over the step's rows)
    max_row_tokens: int = 640        # rows just long enough for the longest window: 12 s @10 ms = 600 tokens
    max_time_positions: int = 192    # time table: 3072 frames
    seed: int = 1337
    frame_shifts_ms: tuple = tuple(ELASTIC_SHIFTS_MS)  # elastic mode: the shift is drawn from these per sample
    shift_weights: tuple = ()        # elastic mode: relative draw weight of each frame shift (empty: uniform)
    crop_prob: float = 0.0           # elastic mode: chance that a sample is a random crop (1 s .. its length)
    spec_augment: bool = False       # one frequency mask (<= 24 bins) and two time masks (<= 10 % each) per sample
    balance: float = 0.0             # sample clips with weight count(label)^-balance (0: every clip once per epoch)
    synth_weight: float = 1.0        # with balance: draw weight factor of a sample made of synthetic clips only
    device: str = "cpu"


RUNS = {
    "elastic": RunConfig(run="elastic", mode="elastic"),
    "fixed-1s-10ms": RunConfig(run="fixed-1s-10ms", mode="fixed", fixed_seconds=1.0, fixed_shift_ms=10),
    "fixed-10s-10ms": RunConfig(run="fixed-10s-10ms", mode="fixed", fixed_seconds=10.0, fixed_shift_ms=10),
    "fixed-10s-40ms": RunConfig(run="fixed-10s-40ms", mode="fixed", fixed_seconds=10.0, fixed_shift_ms=40),
    # the shipped monitoring model: multi-label (sigmoid, BCE) on dataset.py's set, native lengths and shifts
    "monitor": RunConfig(run="monitor", mode="elastic", d_model=128, depth=4, heads=2, epochs=12, lr=1e-3,
                         warmup_steps=100, step_tokens=4096, max_row_tokens=768,  # 12 s sped up 0.85x: 688 tokens
                         frame_shifts_ms=(10, 20, 30, 40), crop_prob=0.5,
                         spec_augment=True, balance=0.5, shift_weights=(1.0, 1.0, 1.5, 1.5)),
}


# features -> tokens

def fixed_frames(seconds, shift_ms):
    return int(seconds * 1000 / shift_ms) // PATCH * PATCH


def pad_or_crop(fb, frames, mean, std, start):
    """Fixed-shape input, AST-style: crop at `start`, or pad with raw log-mel 0 (normalised like the rest)."""
    if fb.shape[0] >= frames:
        return fb[start:start + frames]
    pad = torch.full((frames - fb.shape[0], fb.shape[1]), (0.0 - mean) / (2 * std))
    return torch.cat([fb, pad])


def clip_tokens(wave, shift_ms, mean, std, max_frames, fixed=None, rng=None):
    """wave -> (patches, freq_pos, time_pos). max_frames: length cap; fixed: frame count to pad/crop to
    (random crop with rng, centre crop without)."""
    fb = data.normalise(data.fbank(wave, shift_ms), mean, std)[:max_frames]
    return clip_tokens_from_fbank(fb, mean, std, fixed, rng)


def clip_tokens_from_fbank(fb, mean, std, fixed=None, rng=None):
    """Normalised, capped fbank -> tokens; fixed: frame count to pad/crop to (random crop with rng, else centre)."""
    if fixed is not None:
        extra = max(fb.shape[0] - fixed, 0)
        start = int(rng.integers(0, extra + 1)) if rng is not None else extra // 2
        fb = pad_or_crop(fb, fixed, mean, std, start)
    if fb.shape[0] < PATCH:  # shorter than one patch (a 0.5 s clip at 40 ms has 11 frames): pad to 16
        fb = torch.cat([fb, torch.full((PATCH - fb.shape[0], fb.shape[1]), (0.0 - mean) / (2 * std))])
    return patchify(fb)


class PrecomputedFeatures:
    """Normalised 10 ms fbank per clip (data.load_features), in host memory like FeatureCache: tokens are packed
    on the CPU and each packed step moves to the device. A frame shift of s ms is every (s/10)-th 10 ms frame:
    kaldi fbank at s ms (same 25 ms window, snip_edges) exactly."""

    def __init__(self, fbanks, mean, std, max_frames):
        self.fbanks = fbanks
        self.mean, self.std, self.max_frames = mean, std, max_frames

    def __len__(self):
        return len(self.fbanks)

    def get(self, i, shift):
        assert shift % data.FEATURE_SHIFT_MS == 0, f"precomputed 10 ms features give multiples of 10 ms, not {shift}"
        return self.fbanks[i][:: shift // data.FEATURE_SHIFT_MS][: self.max_frames]


class FbankSet:
    """dataset.py's samples: raw 10 ms log-mel (float16) and multi-hot labels, normalised on read; other frame
    shifts are every (s/10)-th frame, as in PrecomputedFeatures."""

    def __init__(self, path, mean, std, max_frames, limit=None):
        stored = torch.load(path)
        self.fbanks = stored["fbanks"][:limit]
        self.labels = stored["labels"][:limit]
        self.info = stored["info"][:limit]
        self.real = [bool(i.get("real", False)) for i in self.info]
        self.mean, self.std, self.max_frames = mean, std, max_frames

    def __len__(self):
        return len(self.fbanks)

    def get(self, i, shift):
        fb = self.fbanks[i][:: shift // data.FEATURE_SHIFT_MS][: self.max_frames].float()
        return data.normalise(fb, self.mean, self.std)


def average_precision(scores, targets):
    """Per-label average precision (labels without positives are NaN) of scores [N, C] against 0/1 targets."""
    out = []
    for c in range(scores.shape[1]):
        y = targets[:, c][torch.argsort(scores[:, c], descending=True)]
        if y.sum() == 0:
            out.append(float("nan"))
            continue
        hits = torch.cumsum(y, 0)
        precision = hits / torch.arange(1, len(y) + 1)
        out.append(float((precision * y).sum() / y.sum()))
    return out


def mean_ap(scores, targets):
    ap = [a for a in average_precision(scores, targets) if a == a]
    return sum(ap) / len(ap)


def sample_order(cfg: RunConfig, labels, rng, real=None):
    """One epoch's clip order: a permutation, or with cfg.balance a weighted draw of as many clips in which a
    clip's weight is its rarest label's count^-balance (multi-hot labels) so that scarce labels are seen more.
    Samples with no label (dataset.py --quiet) count as one more label of their own.
    real (bool per sample, optional): samples that are not real get cfg.synth_weight times their weight, so that
    a label with many synthetic clips and few real ones (alarm) does not teach its synthesizer's sound."""
    if cfg.balance <= 0 or labels.dim() == 1:
        return rng.permutation(len(labels))
    labels = torch.cat([labels, (labels.sum(1, keepdim=True) == 0).to(labels.dtype)], 1)
    counts = labels.sum(0).clamp(min=1)
    weights = (labels * counts.pow(-cfg.balance)).max(1).values.double().numpy()
    if real is not None and cfg.synth_weight != 1.0:
        weights = weights * np.where(np.asarray(real, dtype=bool), 1.0, cfg.synth_weight)
    return rng.choice(len(labels), size=len(labels), p=weights / weights.sum())


class FeatureCache:
    """Normalised fbank per (clip, frame shift), computed once (kaldi fbank at 10 ms costs more than a
    training step's share per clip on this machine); stored as float16 to halve memory."""

    def __init__(self, waves, mean, std, max_frames):
        self.waves, self.mean, self.std, self.max_frames = waves, mean, std, max_frames
        self.store = {}

    def __len__(self):
        return len(self.waves)

    def get(self, i, shift):
        key = (i, shift)
        if key not in self.store:
            fb = data.normalise(data.fbank(self.waves[i], shift), self.mean, self.std)[:self.max_frames]
            self.store[key] = fb.half()
        return self.store[key].float()


def augment(cfg: RunConfig, fb, shift, rng):
    """Random crop (any length from 1 s) and SpecAugment-style masks (masked values = the normalised mean)."""
    if cfg.crop_prob > 0 and rng.random() < cfg.crop_prob:
        shortest = min(fb.shape[0], max(PATCH, 1000 // shift))
        n = int(rng.integers(shortest, fb.shape[0] + 1))
        start = int(rng.integers(0, fb.shape[0] - n + 1))
        fb = fb[start:start + n]
    if cfg.spec_augment:
        fb = fb.clone()
        width = int(rng.integers(0, 25))
        f0 = int(rng.integers(0, fb.shape[1] - width + 1))
        fb[:, f0:f0 + width] = 0.0
        for _ in range(2):
            width = int(rng.integers(0, fb.shape[0] // 10 + 1))
            t0 = int(rng.integers(0, fb.shape[0] - width + 1))
            fb[t0:t0 + width] = 0.0
    return fb


def draw_shift(cfg: RunConfig, rng):
    """A frame shift for one sample: uniform over cfg.frame_shifts_ms, or by cfg.shift_weights (coarse shifts
    see fewer frames per clip, so weighting them up gives them a fair share of the gradient)."""
    shifts = list(cfg.frame_shifts_ms)
    if not cfg.shift_weights:
        return int(rng.choice(shifts))
    w = np.asarray(cfg.shift_weights, dtype=float)
    if len(w) != len(shifts):
        raise ValueError(f"shift_weights {cfg.shift_weights} do not match frame_shifts_ms {cfg.frame_shifts_ms}")
    return int(shifts[rng.choice(len(shifts), p=w / w.sum())])


def train_tokens(cfg: RunConfig, cache, i, rng):
    if cfg.mode == "elastic":
        shift = draw_shift(cfg, rng)
        return clip_tokens_from_fbank(augment(cfg, cache.get(i, shift), shift, rng), cache.mean, cache.std)
    frames = fixed_frames(cfg.fixed_seconds, cfg.fixed_shift_ms)
    hop = cfg.fixed_shift_ms * data.SR // 1000
    need = (frames - 1) * hop + 400  # samples that yield exactly `frames` frames (25 ms window)
    wave = cache.waves[i]
    if len(wave) > need:
        # random crop on the waveform at a hop boundary: the same frames as cropping the clip's fbank, without
        # computing the whole clip's fbank (a 1 s crop of a 12 s clip)
        start = int(rng.integers(0, (len(wave) - need) // hop + 1)) * hop
        fb = data.normalise(data.fbank(wave[start:start + need], cfg.fixed_shift_ms), cache.mean, cache.std)
        return clip_tokens_from_fbank(fb, cache.mean, cache.std, fixed=frames, rng=rng)
    return clip_tokens_from_fbank(cache.get(i, cfg.fixed_shift_ms), cache.mean, cache.std, fixed=frames, rng=rng)


def batches(items, step_tokens):
    """Consecutive (tokens, label) items grouped so each group holds about step_tokens tokens."""
    group, used = [], 0
    for it in items:
        n = it[0][0].shape[0]
        if group and used + n > step_tokens:
            yield group
            group, used = [], 0
        group.append(it)
        used += n
    if group:
        yield group


def bucketed_steps(items, step_tokens, rng, chunk=256):
    """Steps of similar-length samples. Dense masked attention pays L^2 per row whatever is packed in it, so
    a step's rows are as long as its longest sample: short samples share rows, long ones fill them alone."""
    order = list(rng.permutation(len(items))) if rng is not None else list(range(len(items)))
    steps = []
    for a in range(0, len(order), chunk):
        part = sorted(order[a:a + chunk], key=lambda i: -items[i][0][0].shape[0])
        steps += list(batches([items[i] for i in part], step_tokens))
    if rng is not None:
        steps = [steps[i] for i in rng.permutation(len(steps))]
    return steps


def pack_step(samples, max_row_tokens):
    return pack_rows(samples, min(max_row_tokens, max(s[0].shape[0] for s in samples)))


@torch.no_grad()
def predict(model, token_list, max_row_tokens, step_tokens=8192):
    """Logits for a list of (patches, freq_pos, time_pos), packed into rows of similar lengths."""
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(token_list)), key=lambda i: -token_list[i][0].shape[0])
    out = torch.zeros(len(token_list), model.cfg.num_classes)
    for group in batches([(token_list[i], i) for i in order], step_tokens):
        samples = [t for t, _ in group]
        packed = [t.to(device) for t in pack_step(samples, max_row_tokens)]
        out[[i for _, i in group]] = model.forward_rows(*packed, len(samples)).float().cpu()
    return out


def init_weights(path):
    """{"model": state_dict, "mean", "std"} to continue from: a train.py checkpoint, or an exported model (its
    directory or model*.json, weights read back from its ONNX graph), e.g. the shipped one."""
    if os.path.isdir(path) or path.endswith(".json"):
        import export_onnx
        model, meta = export_onnx.from_onnx(path)
        return {"model": model.state_dict(), "mean": meta["mean"], "std": meta["std"],
                "model_args": model.cfg.to_dict()}
    return torch.load(path, map_location="cpu")


def deepen(state, fresh):
    """`state` (a state_dict with fewer blocks) grown to the blocks of `fresh` (the state_dict of a newly built
    model of the target depth), computing the same function: the old blocks spread evenly (block i at position
    i * depth // old_depth); each new block is fresh's, as ElasticAST initialised it, with its attention and MLP
    output projections zeroed, so it adds nothing to the residual stream until training moves them. A state with
    as many blocks comes back unchanged; a deeper one is an error."""
    def blocks(sd):
        return sorted({int(k.split(".")[1]) for k in sd if k.startswith("blocks.")})
    old, depth = blocks(state), len(blocks(fresh))
    if len(old) == depth:
        return state
    if len(old) > depth:
        raise ValueError(f"cannot start a {depth}-block model from {len(old)} blocks")
    if old != list(range(len(old))):
        raise ValueError(f"block indices {old} are not 0..{len(old) - 1}")
    place = {i: i * depth // len(old) for i in old}
    grown = {k: v for k, v in state.items() if not k.startswith("blocks.")}
    for k, v in state.items():
        if k.startswith("blocks."):
            _, i, rest = k.split(".", 2)
            grown[f"blocks.{place[int(i)]}.{rest}"] = v
    new_blocks = set(range(depth)) - set(place.values())
    for k, v in fresh.items():
        if k.startswith("blocks.") and int(k.split(".")[1]) in new_blocks:
            rest = k.split(".", 2)[2]
            grown[k] = torch.zeros_like(v) if rest.startswith(("proj.", "mlp.2.")) else v
    return grown


def lr_at(cfg, step, total):
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    p = (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps)
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * min(p, 1.0)))


def val_tokens(cfg: RunConfig, waves, mean, std):
    """Validation at the run's own setting: native length at 10 and 40 ms for elastic, its shape for fixed."""
    if isinstance(waves, (PrecomputedFeatures, FbankSet)):
        return [clip_tokens_from_fbank(waves.get(i, s), mean, std) for s in (10, 40) for i in range(len(waves))]
    if cfg.mode == "elastic":
        return [clip_tokens(w, s, mean, std, cfg.max_time_positions * PATCH) for s in (10, 40) for w in waves]
    return [clip_tokens(w, cfg.fixed_shift_ms, mean, std, cfg.max_time_positions * PATCH,
                        fixed=fixed_frames(cfg.fixed_seconds, cfg.fixed_shift_ms)) for w in waves]


def train(cfg: RunConfig, train_set, val_set, stats, max_steps=None, out_dir=None, log=print, init_from=None,
          time_budget_s=None, resume=None, hold_s=None):
    """train_set/val_set: (waves, labels) or (PrecomputedFeatures, labels). time_budget_s: after epoch 1, cut the
    epoch count (and the cosine schedule with it) to what fits the budget. hold_s: stop after the epoch that
    would leave no room for another within this many seconds of this call (ckpt.pt then holds everything to go
    on). init_from: weights to start from, a path init_weights reads or what it returned. resume: a ckpt.pt
    written by this function; training goes on from its next epoch with the same schedule,
    optimiser state and random streams, as if it had not stopped."""
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    state = torch.load(resume, map_location="cpu") if resume else None
    mean, std = stats["mean"], stats["std"]
    model_cfg = ElasticASTConfig(d_model=cfg.d_model, depth=cfg.depth, heads=cfg.heads,
                                 max_time_positions=cfg.max_time_positions)
    model = ElasticAST(model_cfg)
    if init_from:  # continued training (a warm restart of the schedule) from another run's weights
        init = init_from if isinstance(init_from, dict) else init_weights(init_from)
        model.load_state_dict(deepen(init["model"], model.state_dict()))
    if state is not None:
        model.load_state_dict(state["model"])
    device = torch.device(cfg.device)
    model.to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "pos_" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "pos_" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    if state is not None:
        opt.load_state_dict(state["resume"]["optimizer"])
    waves, labels = train_set
    vwaves, vlabels = val_set
    has_val = vwaves is not None and len(vwaves) > 0
    vtok = val_tokens(cfg, vwaves, mean, std) if has_val else []
    cache = waves if isinstance(waves, (PrecomputedFeatures, FbankSet)) else FeatureCache(waves, mean, std, cfg.max_time_positions * PATCH)
    multilabel = labels.dim() == 2
    repeats = len(vtok) // max(len(vwaves), 1)
    vlab = (vlabels.repeat(repeats, 1) if multilabel else vlabels.repeat(repeats)) if has_val else None
    epochs = cfg.epochs
    # step count for the schedule: tokens per clip are known only after featurising; estimate from epoch 1
    est_steps = None
    step, history, best = 0, [], -1.0
    t0 = time.time()
    epoch = 0
    if state is not None:
        r = state["resume"]
        step, epoch, epochs, est_steps, best = r["step"], r["epoch"], r["epochs"], r["est_steps"], r["best"]
        history = list(state["history"])
        rng.bit_generator.state = r["numpy_rng"]
        torch.set_rng_state(r["torch_rng"])
        random.setstate(r["python_rng"])
    epoch_s = []
    while epoch < epochs:
        epoch_t0 = time.time()
        model.train()
        order = sample_order(cfg, labels, rng, getattr(cache, "real", None))
        items = [(train_tokens(cfg, cache, i, rng), labels[i] if multilabel else int(labels[i])) for i in order]
        groups = bucketed_steps(items, cfg.step_tokens, rng)
        if est_steps is None:
            est_steps = len(groups) * epochs
        seen, loss_sum, correct = 0, 0.0, 0
        for group in groups:
            samples = [t for t, _ in group]
            y = (torch.stack([lab for _, lab in group]) if multilabel
                 else torch.tensor([lab for _, lab in group])).to(device)
            for g in opt.param_groups:
                g["lr"] = lr_at(cfg, step, est_steps)
            packed = [t.to(device) for t in pack_step(samples, cfg.max_row_tokens)]
            logits = model.forward_rows(*packed, len(samples))
            loss = F.binary_cross_entropy_with_logits(logits, y) if multilabel else F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            seen += len(group)
            loss_sum += float(loss) * len(group)
            top = logits.argmax(-1)
            correct += int(y[torch.arange(len(top)), top].sum()) if multilabel else int((top == y).sum())
            if step % 50 == 0:
                print(f"  step {step} epoch {epoch + 1} {seen}/{len(items)} clips loss {loss_sum / seen:.3f} "
                      f"{time.time() - t0:.0f}s", flush=True)
            if max_steps is not None and step >= max_steps:
                break
        record = {"epoch": epoch + 1, "step": step, "train_loss": loss_sum / seen, "train_acc": correct / seen,
                  "elapsed_s": round(time.time() - t0, 1)}
        if epoch == 0 and time_budget_s is not None and state is None:
            fit = max(1, int(time_budget_s / max(time.time() - t0, 1e-3)))
            if fit < epochs:
                epochs, est_steps = fit, len(groups) * fit
                record["epochs_in_budget"] = fit
        if vtok:
            vlogits = predict(model, vtok, cfg.max_row_tokens)
            top = vlogits.argmax(-1)
            if multilabel:  # top-1 is right when it is one of the sample's labels; val_acc ranks runs by mAP
                labelled = vlab.sum(1) > 0                              # quiet samples have no top-1 to get right
                record["val_top1"] = float(vlab[torch.arange(len(top)), top][labelled].mean())
                record["val_acc"] = record["val_map"] = mean_ap(torch.sigmoid(vlogits), vlab)
            else:
                record["val_acc"] = float((top == vlab).float().mean())
        history.append(record)
        log(json.dumps(record))
        if out_dir is not None:
            weights = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            ckpt = {"model_args": model_cfg.to_dict(), "model": weights, "mean": mean, "std": std,
                    "run": asdict(cfg), "history": history, "data_recipe_version": stats.get("recipe"),
                    "frame_shifts_ms": list(cfg.frame_shifts_ms) if cfg.mode == "elastic" else [cfg.fixed_shift_ms],
                    "output_activation": "sigmoid" if multilabel else "softmax",
                    "labels": list(LABELS) if multilabel else list(data.LABELS)}
            if record.get("val_acc", 0.0) >= best:
                best = record.get("val_acc", 0.0)
                torch.save(ckpt, os.path.join(out_dir, "best.pt"))
            ckpt["resume"] = {"optimizer": opt.state_dict(), "step": step, "epoch": epoch + 1, "epochs": epochs,
                              "est_steps": est_steps, "best": best, "numpy_rng": rng.bit_generator.state,
                              "torch_rng": torch.get_rng_state(), "python_rng": random.getstate()}
            tmp = os.path.join(out_dir, "ckpt.pt.tmp")
            torch.save(ckpt, tmp)
            os.replace(tmp, os.path.join(out_dir, "ckpt.pt"))   # a stop mid-write leaves the previous one
        if max_steps is not None and step >= max_steps:
            break
        epoch += 1
        epoch_s.append(time.time() - epoch_t0)
        if hold_s is not None and epoch < epochs and time.time() - t0 + max(epoch_s) > hold_s:
            log(json.dumps({"paused_after_epoch": epoch, "of": epochs, "resume_with": "--resume ckpt.pt"}))
            break
    return model, history


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", choices=sorted(RUNS), required=True)
    for f in ("epochs", "d_model", "depth", "heads", "step_tokens", "max_row_tokens", "seed", "warmup_steps"):
        ap.add_argument("--" + f.replace("_", "-"), type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--crop-prob", type=float)
    ap.add_argument("--balance", type=float, help="draw clips with weight count(rarest label)^-balance")
    ap.add_argument("--spec-augment", action="store_true", default=None)
    ap.add_argument("--device", help="cpu (default) or cuda")
    ap.add_argument("--shifts", help="elastic frame shifts in ms, comma separated (default 10,15,...,40)")
    ap.add_argument("--features", nargs="+", help="train from data.py --export-features files instead of audio")
    ap.add_argument("--set", help="train on dataset.py's set in this directory (train.pt, val.pt, stats.json)")
    ap.add_argument("--time-budget-s", type=float, help="fit the epochs (and schedule) into this many seconds")
    ap.add_argument("--train-limit", type=int, help="use only the first N training clips")
    ap.add_argument("--val-limit", type=int, default=150, help="validation clips checked after each epoch")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--name", help="run directory name (default: the run's name)")
    ap.add_argument("--out-dir", help="where ckpt.pt/best.pt/log.jsonl go (default model/runs/<name>)")
    ap.add_argument("--init-from", help="checkpoint, or exported model directory / model.json, whose weights (and "
                    "mean/std) start this run (continued training); from fewer blocks than --depth, the extra blocks start as "
                    "identities (see deepen)")
    ap.add_argument("--synth-weight", type=float, help="draw weight factor of synthetic-only samples (with balance)")
    ap.add_argument("--resume", help="a ckpt.pt of this run: go on from its next epoch (same schedule)")
    ap.add_argument("--hold-s", type=float, help="stop (resumably) before an epoch that would end past this")
    ap.add_argument("--shift-weights", help="draw weight per frame shift, comma separated")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    overrides = {k: v for k, v in vars(args).items() if v is not None and k in RunConfig.__dataclass_fields__}
    if args.shifts:
        overrides["frame_shifts_ms"] = tuple(int(s) for s in args.shifts.split(","))
    if args.shift_weights:
        overrides["shift_weights"] = tuple(float(w) for w in args.shift_weights.split(","))
    cfg = replace(RUNS[args.run], **overrides)
    if args.name:
        cfg = replace(cfg, run=args.name)
    max_frames = cfg.max_time_positions * PATCH
    init = init_weights(args.init_from) if args.init_from else None  # read once (an ONNX graph is checked)
    if args.set:
        stats = json.load(open(os.path.join(args.set, "stats.json")))
        if init is not None:  # continued weights keep the normalisation they were trained with
            stats = {**stats, "mean": init.get("mean", stats["mean"]), "std": init.get("std", stats["std"])}
        mean, std = stats["mean"], stats["std"]
        tr = FbankSet(os.path.join(args.set, "train.pt"), mean, std, max_frames, args.train_limit)
        va = FbankSet(os.path.join(args.set, "val.pt"), mean, std, max_frames, args.val_limit)
        train_set, val_set = (tr, tr.labels), (va, va.labels)
    elif args.features:
        fbanks, labels, mean, std = data.load_features(args.features, "train")
        vfbanks, vlabels, _, _ = data.load_features(args.features, "val")
        stats = {"mean": mean, "std": std, "recipe": data.RECIPE_VERSION}
        limit = args.train_limit or len(fbanks)
        train_set = (PrecomputedFeatures(fbanks[:limit], mean, std, max_frames), labels[:limit])
        val_set = (PrecomputedFeatures(vfbanks[:args.val_limit], mean, std, max_frames), vlabels[:args.val_limit])
    else:
        stats = json.load(open(os.path.join(data.DATA_DIR, "stats.json")))
        train_set = data.load_split("train")
        if args.train_limit:
            train_set = (train_set[0][:args.train_limit], train_set[1][:args.train_limit])
        val_set = data.load_split("val")
        val_set = (val_set[0][:args.val_limit], val_set[1][:args.val_limit])
    out_dir = args.out_dir or os.path.join(RUNS_DIR, cfg.run)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "log.jsonl"), "a") as logf:
        def log(line):
            print(line, flush=True)
            logf.write(line + "\n")
            logf.flush()
        log(json.dumps({"config": asdict(cfg), "train_clips": len(train_set[0])}))
        log(json.dumps({"init_from": args.init_from, "features": args.features}))
        train(cfg, train_set, val_set, stats, out_dir=out_dir, log=log, init_from=init,
              time_budget_s=args.time_budget_s, resume=args.resume, hold_s=args.hold_s)


if __name__ == "__main__":
    main()
