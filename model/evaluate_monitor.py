"""The monitoring model on dataset.py's held-out splits: per-label thresholds from val, then on test per-label
precision / recall / F1, mAP, top-1 on single-label real clips, the confusion between labels, and top-1 against
length cap and frame shift.

  /usr/bin/python3 model/evaluate_monitor.py --run monitor --set model/data/set
      -> model/runs/<run>/thresholds.json (export_onnx.py --thresholds) and model/runs/<run>/monitor-eval.json, md
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate  # noqa: E402
import train  # noqa: E402
from elasticast import LABELS, PATCH  # noqa: E402

LENGTH_CAPS = [1, 2, 5, 10, None]
SHIFTS = [10, 20, 30, 40]
THRESHOLD_GRID = [round(0.05 * k, 2) for k in range(1, 20)]


def scores(model, fbset, indices, shift=10, cap_s=None):
    """Sigmoid scores [len(indices), C] at one frame shift, each window cut to cap_s seconds (None: native)."""
    tokens = []
    for i in indices:
        fb = fbset.get(i, shift)
        if cap_s is not None:
            fb = fb[: evaluate.frames_in(cap_s, shift)]
        tokens.append(train.clip_tokens_from_fbank(fb, fbset.mean, fbset.std))
    return torch.sigmoid(train.predict(model, tokens, max(t[0].shape[0] for t in tokens)))


def prf(pred, target):
    tp = float((pred * target).sum())
    p = tp / max(float(pred.sum()), 1e-9)
    r = tp / max(float(target.sum()), 1e-9)
    return p, r, 2 * p * r / max(p + r, 1e-9)


def choose_thresholds(s, y):
    """Per label, the grid value with the best F1 on validation (ties: the higher threshold)."""
    out = {}
    for c, lab in enumerate(LABELS):
        if y[:, c].sum() == 0:
            out[lab] = 0.5
            continue
        best = max(THRESHOLD_GRID, key=lambda t: (round(prf((s[:, c] >= t).float(), y[:, c])[2], 4), t))
        out[lab] = best
    return out


def single_label_real(fbset):
    return [i for i, info in enumerate(fbset.info) if info["real"] and len(info["labels"]) == 1
            and len(info["ids"]) == 1]


def top1(s, fbset, indices):
    truth = torch.tensor([LABELS.index(fbset.info[i]["labels"][0]) for i in indices])
    return truth, s.argmax(-1)


def heldout_top1(model, heldout):
    """Top-1 on the single-label clips of synthesizers training never heard (dataset.HELDOUT_SYNTH), overall and
    per label, at 10 and 40 ms."""
    single = [i for i, info in enumerate(heldout.info) if len(info["labels"]) == 1]
    if not single:
        return None
    out = {"clips": len(single)}
    for shift in (10, 40):
        truth, top = top1(scores(model, heldout, single, shift), heldout, single)
        out[f"top1@{shift}ms"] = float((truth == top).float().mean())
        out[f"per_label@{shift}ms"] = {lab: float((top[truth == c] == c).float().mean())
                                       for c, lab in enumerate(LABELS) if int((truth == c).sum())}
    out["counts"] = {lab: int((truth == c).sum()) for c, lab in enumerate(LABELS) if int((truth == c).sum())}
    return out


def quiet_false_alarms(s, fbset, thresholds):
    """On the samples with no label (silence, faint noise; dataset.py --quiet): how many raise a label above its
    threshold, and which labels they raise. None when the split has none."""
    quiet = [i for i, info in enumerate(fbset.info) if info.get("quiet")]
    if not quiet:
        return None
    above = s[quiet] >= torch.tensor([thresholds[lab] for lab in LABELS])
    return {"samples": len(quiet), "with_a_label": int(above.any(1).sum()),
            "per_label": {lab: int(above[:, c].sum()) for c, lab in enumerate(LABELS) if int(above[:, c].sum())}}


def evaluate_set(model, val, test, heldout=None):
    all_val = list(range(len(val)))
    thresholds = choose_thresholds(scores(model, val, all_val), val.labels)
    all_test = list(range(len(test)))
    t0 = time.perf_counter()
    s = scores(model, test, all_test)
    seconds = time.perf_counter() - t0
    tokens = sum(train.clip_tokens_from_fbank(test.get(i, 10), test.mean, test.std)[0].shape[0] for i in all_test)
    y = test.labels
    per_label = {}
    ap = train.average_precision(s, y)
    for c, lab in enumerate(LABELS):
        p, r, f1 = prf((s[:, c] >= thresholds[lab]).float(), y[:, c])
        per_label[lab] = {"precision": p, "recall": r, "f1": f1, "ap": ap[c], "positives": int(y[:, c].sum()),
                          "threshold": thresholds[lab]}
    single = single_label_real(test)
    truth, top = top1(s[single], test, single)
    confusion = [[int(((truth == a) & (top == b)).sum()) for b in range(len(LABELS))] for a in range(len(LABELS))]
    per_label_top1 = {lab: (confusion[c][c] / max(sum(confusion[c]), 1)) for c, lab in enumerate(LABELS)}
    by_source = {}  # "label package" -> [clips, right]: which recordings a label's top-1 rests on
    for k, i in enumerate(single):
        cell = by_source.setdefault(f"{test.info[i]['labels'][0]} {test.info[i]['sources'][0]}", [0, 0])
        cell[0] += 1
        cell[1] += int(truth[k] == top[k])
    settings = {}
    for cap in LENGTH_CAPS:
        t, p = top1(scores(model, test, single, 10, cap), test, single)
        settings[evaluate.setting_key(cap, 10)] = float((t == p).float().mean())
    for shift in SHIFTS[1:]:
        t, p = top1(scores(model, test, single, shift), test, single)
        settings[evaluate.setting_key(None, shift)] = float((t == p).float().mean())
    return {"thresholds": thresholds, "per_label": per_label, "quiet": quiet_false_alarms(s, test, thresholds),
            "map": sum(a for a in ap if a == a) / len([a for a in ap if a == a]),
            "top1_single_real": float((truth == top).float().mean()), "single_real_clips": len(single),
            "per_label_top1": per_label_top1, "confusion": confusion, "settings": settings,
            "top1_by_source": dict(sorted(by_source.items())),
            "test_samples": len(test), "tokens_per_s": tokens / seconds,
            "parameters": sum(p.numel() for p in model.parameters()), "mixtures": sum(len(i["ids"]) > 1 for i in test.info),
            "heldout_synth": heldout_top1(model, heldout) if heldout is not None and len(heldout) else None}


def markdown(res):
    lines = [f"Test split: {res['test_samples']} samples ({res['single_real_clips']} single-label real clips, "
             f"{res['mixtures']} mixtures of two or three clips), thresholds chosen on val.", "",
             f"**mAP {res['map']:.3f}**, **top-1 on single-label real clips {res['top1_single_real']:.3f}** "
             f"({res['parameters'] / 1e6:.2f} M parameters, {res['tokens_per_s']:.0f} tokens/s forward here)", "",
             "| label | threshold | precision | recall | F1 | AP | top-1 | positives |", "|---|---|---|---|---|---|---|---|"]
    for lab in LABELS:
        r = res["per_label"][lab]
        lines.append(f"| {lab} | {r['threshold']:.2f} | {r['precision']:.2f} | {r['recall']:.2f} | {r['f1']:.2f} | "
                     f"{r['ap']:.2f} | {res['per_label_top1'][lab]:.2f} | {r['positives']} |")
    lines += ["", "Confusion (single-label real clips; rows: true label, columns: top-1):", "",
              "| | " + " | ".join(LABELS) + " |", "|---" * (len(LABELS) + 1) + "|"]
    for a, lab in enumerate(LABELS):
        lines.append(f"| {lab} | " + " | ".join(str(v) for v in res["confusion"][a]) + " |")
    keys = [evaluate.setting_key(c, 10) for c in LENGTH_CAPS] + [evaluate.setting_key(None, s) for s in SHIFTS[1:]]
    lines += ["", "Top-1 on single-label real clips by length cap (10 ms) and frame shift (native length):", "",
              "| " + " | ".join(keys) + " |", "|---" * len(keys) + "|",
              "| " + " | ".join(f"{res['settings'][k]:.3f}" for k in keys) + " |", ""]
    if res.get("top1_by_source"):
        lines += ["Top-1 on single-label real clips by label and package (10 ms, native length):", "",
                  "| label | package | clips | top-1 |", "|---|---|---|---|"]
        for key, (n, right) in res["top1_by_source"].items():
            lab, pkg = key.split(" ", 1)
            lines.append(f"| {lab} | {pkg} | {n} | {right / n:.2f} |")
        lines.append("")
    q = res.get("quiet")
    if q:
        raised = ", ".join(f"{lab} {n}" for lab, n in q["per_label"].items()) or "none"
        lines += [f"Quiet samples (silence, faint noise; no label): {q['with_a_label']} of {q['samples']} raise a "
                  f"label above its threshold ({raised}).", ""]
    h = res.get("heldout_synth")
    if h:
        labs = list(h["counts"])
        lines += [f"Held-out synthesizers ({h['clips']} single-label clips): top-1 {h['top1@10ms']:.3f} at 10 ms, "
                  f"{h['top1@40ms']:.3f} at 40 ms", "",
                  "| | " + " | ".join(labs) + " |", "|---" * (len(labs) + 1) + "|",
                  "| clips | " + " | ".join(str(h["counts"][lab]) for lab in labs) + " |",
                  "| top-1 @10 ms | " + " | ".join(f"{h['per_label@10ms'][lab]:.2f}" for lab in labs) + " |",
                  "| top-1 @40 ms | " + " | ".join(f"{h['per_label@40ms'][lab]:.2f}" for lab in labs) + " |", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True)
    ap.add_argument("--checkpoint", default="best.pt")
    ap.add_argument("--set", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "set"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", help="the run's directory (default model/runs/<run>)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, ckpt = evaluate.load(os.path.join(args.out or os.path.join(train.RUNS_DIR, args.run), args.checkpoint))
    max_frames = model.cfg.max_time_positions * PATCH
    val = train.FbankSet(os.path.join(args.set, "val.pt"), ckpt["mean"], ckpt["std"], max_frames)
    test = train.FbankSet(os.path.join(args.set, "test.pt"), ckpt["mean"], ckpt["std"], max_frames)
    held_path = os.path.join(args.set, "heldout.pt")
    heldout = train.FbankSet(held_path, ckpt["mean"], ckpt["std"], max_frames) if os.path.exists(held_path) else None
    res = evaluate_set(model, val, test, heldout)
    out = args.out or os.path.join(train.RUNS_DIR, args.run)
    with open(os.path.join(out, "thresholds.json"), "w") as f:
        json.dump({"thresholds": res["thresholds"]}, f, indent=2)
    with open(os.path.join(out, "monitor-eval.json"), "w") as f:
        json.dump(res, f, indent=2)
    text = markdown(res)
    with open(os.path.join(out, "monitor-eval.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
