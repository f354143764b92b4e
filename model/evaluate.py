"""Length / resolution robustness on the test split (the paper's experiment on our data).

  /usr/bin/python3 model/evaluate.py --run elastic          # -> model/runs/<run>/eval.json
  /usr/bin/python3 model/evaluate.py --report               # all eval.json -> tables (markdown) + results.png

Settings: length caps 1/2/5/10 s and native at 10 ms; frame shifts 10/20/30/40 ms at native length.
ElasticAST gets every input as it is (capped). A fixed-shape baseline gets what it was trained on: the
(capped) input centre-cropped or padded to its fixed frame count, so away from its setting it sees too
little audio, padding, or another time resolution, exactly as a fixed-shape AST would in deployment.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import train  # noqa: E402
from elasticast import PATCH, ElasticAST, ElasticASTConfig  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LENGTH_CAPS = [1, 2, 5, 10, None]  # seconds; None = native length
SHIFTS = [10, 20, 30, 40]
RUN_ORDER = ["elastic", "fixed-1s-10ms", "fixed-10s-10ms", "fixed-10s-40ms",
             "elastic-long", "fixed-1s-10ms-long", "fixed-10s-40ms-long"]


def settings():
    out = [(cap, 10) for cap in LENGTH_CAPS]
    return out + [(None, s) for s in SHIFTS if s != 10]


def setting_key(cap, shift):
    return f"{'native' if cap is None else f'{cap}s'}@{shift}ms"


def load(path):
    ckpt = torch.load(path, map_location="cpu")
    model = ElasticAST(ElasticASTConfig(**ckpt["model_args"]))
    model.load_state_dict(ckpt["model"])
    return model.eval(), ckpt


def test_fbanks(waves, shift, limit):
    """Raw fbank per test clip at one shift, cached on disk across models (fbank at 10 ms costs minutes here)."""
    path = os.path.join(train.RUNS_DIR, f"test-fbank-{shift}ms-{limit}.pt")
    if os.path.exists(path):
        return torch.load(path)
    fbs = [data.fbank(w, shift) for w in waves]
    torch.save(fbs, path + ".tmp")
    os.replace(path + ".tmp", path)
    return fbs


def frames_in(seconds, shift):
    """Frames kaldi fbank (snip_edges) yields for `seconds` of audio: a length cap is a prefix of the full fbank."""
    return 1 + (int(seconds * data.SR) - 400) // (shift * data.SR // 1000)


def evaluate(model, ckpt, waves, labels, limit, as_is=False):
    """as_is: feed a fixed-shape model the capped input without pad/crop (the paper's protocol: positions
    beyond its training length were never trained)."""
    run = ckpt["run"]
    mean, std = ckpt["mean"], ckpt["std"]
    max_frames = model.cfg.max_time_positions * PATCH
    fixed = None if run["mode"] == "elastic" or as_is else train.fixed_frames(run["fixed_seconds"], run["fixed_shift_ms"])
    results, fbanks = {}, {}
    for cap, shift in settings():
        t0 = time.time()
        if shift not in fbanks:
            fbanks[shift] = test_fbanks(waves, shift, limit)
        tokens = []
        for fb in fbanks[shift]:
            fb = fb if cap is None else fb[: frames_in(cap, shift)]
            tokens.append(train.clip_tokens_from_fbank(data.normalise(fb, mean, std)[:max_frames], mean, std, fixed))
        logits = train.predict(model, tokens, run["max_row_tokens"])
        acc = float((logits.argmax(-1) == labels).float().mean())
        results[setting_key(cap, shift)] = {
            "acc": acc, "clips": len(waves),
            "mean_tokens": sum(t[0].shape[0] for t in tokens) / len(tokens), "seconds": round(time.time() - t0, 1)}
        print(run["run"], setting_key(cap, shift), json.dumps(results[setting_key(cap, shift)]), flush=True)
    return results


def report(out_png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    evals = {}
    for run in RUN_ORDER:
        path = os.path.join(train.RUNS_DIR, run, "eval.json")
        if os.path.exists(path):
            evals[run] = json.load(open(path))
    lines = []
    length_keys = [setting_key(c, 10) for c in LENGTH_CAPS]
    shift_keys = [setting_key(None, s) for s in SHIFTS]
    for title, keys, names in (("Accuracy vs length cap (frame shift 10 ms)", length_keys, ["1 s", "2 s", "5 s", "10 s", "native"]),
                               ("Accuracy vs frame shift (native length)", shift_keys, [f"{s} ms" for s in SHIFTS])):
        lines += [f"### {title}", "", "| model | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        for run, res in evals.items():
            lines.append(f"| {run} | " + " | ".join(f"{res['results'][k]['acc']:.3f}" for k in keys) + " |")
        lines.append("")
    as_is = {run: json.load(open(os.path.join(train.RUNS_DIR, run, "eval-as-is.json"))) for run in RUN_ORDER
             if os.path.exists(os.path.join(train.RUNS_DIR, run, "eval-as-is.json"))}
    if as_is:
        keys = length_keys + shift_keys[1:]
        names = ["1 s", "2 s", "5 s", "10 s", "native"] + [f"native@{s} ms" for s in SHIFTS[1:]]
        lines += ["### Fixed-shape models fed the input as is (no pad/crop; frame shift 10 ms unless named)", "",
                  "| model | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        for run, res in as_is.items():
            lines.append(f"| {run} | " + " | ".join(f"{res['results'][k]['acc']:.3f}" for k in keys) + " |")
        lines.append("")
    lines += ["### Training", "", "| model | epochs done | steps | train acc (last epoch) | val acc (own setting) "
              "| wall time (shared CPU) | mean tokens/clip, native@10ms |", "|---|---|---|---|---|---|---|"]
    for run, res in evals.items():
        h = res["history"][-1]
        done = f"3 + {h['epoch']}" if run.endswith("-long") else f"{h['epoch']}"  # -long: continued from the 3-epoch run
        lines.append(f"| {run} | {done} | {h['step']} | {h['train_acc']:.3f} | {h.get('val_acc', float('nan')):.3f} "
                     f"| {h['elapsed_s'] / 60:.0f} min | {res['results'][setting_key(None, 10)]['mean_tokens']:.0f} |")
    lines.append("")
    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    colors = {"elastic": "C0", "fixed-1s-10ms": "C1", "fixed-10s-10ms": "C2", "fixed-10s-40ms": "C3"}
    for run, res in evals.items():
        base = run[:-5] if run.endswith("-long") else run
        style = dict(marker="o", color=colors.get(base), linestyle="-" if run.endswith("-long") else ":",
                     alpha=1.0 if run.endswith("-long") else 0.6,
                     label=f"{base}, {res['history'][-1]['epoch'] + (3 if run.endswith('-long') else 0)} ep")
        axes[0].plot(range(len(length_keys)), [res["results"][k]["acc"] for k in length_keys], **style)
        axes[1].plot(SHIFTS, [res["results"][k]["acc"] for k in shift_keys], **style)
    axes[0].set_xticks(range(len(length_keys)), ["1 s", "2 s", "5 s", "10 s", "native"])
    axes[0].set_xlabel("length cap (10 ms shift)")
    axes[1].set_xticks(SHIFTS)
    axes[1].set_xlabel("frame shift, ms (native length)")
    for ax in axes:
        ax.set_ylabel("test accuracy")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    fig.suptitle(f"ElasticAST vs fixed-shape baselines, synthetic 10-class test set ({next(iter(evals.values()))['clips']} clips)")
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", help="model/runs/<run>/best.pt")
    ap.add_argument("--checkpoint", default="best.pt")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--as-is", action="store_true", help="fixed-shape model gets the input without pad/crop")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=300, help="first N test clips (labels cycle, so classes stay balanced)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.report:
        report(os.path.join(HERE, "results.png"))
        return
    model, ckpt = load(os.path.join(train.RUNS_DIR, args.run, args.checkpoint))
    waves, labels = data.load_split("test")
    waves, labels = waves[:args.limit], labels[:args.limit]
    results = evaluate(model, ckpt, waves, labels, args.limit, args.as_is)
    with open(os.path.join(train.RUNS_DIR, args.run, "eval-as-is.json" if args.as_is else "eval.json"), "w") as f:
        json.dump({"run": args.run, "checkpoint": args.checkpoint, "clips": len(waves), "results": results,
                   "history": ckpt["history"]}, f, indent=2)


if __name__ == "__main__":
    main()
