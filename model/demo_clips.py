"""The demo's bundled clips: real recordings from allowed packages (data_sources.py's manifest), one per label,
plus a siren mixed under speech, written with a NOTICE naming each clip's package, path and license.

  /usr/bin/python3 model/demo_clips.py            # -> app/src/main/resources/demo-audio/{<label>.wav, NOTICE}

CHOICES (below) names each clip by its manifest id; the clips come from the held-out test split where that split
has one the shipped model labels right, otherwise from val (siren has three real recordings in all).
"""
import argparse
import json
import os
import sys

import numpy as np
import soundfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data_sources  # noqa: E402
import dataset  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "app", "src", "main", "resources", "demo-audio")
MAX_SECONDS = 6.0
CHOICES = {  # label -> manifest id, from --choose with the shipped model (split, its score for the label)
    "speech": "asterisk-core-sounds-6f796a58cf58",   # val, 0.99
    "music": "supertuxkart-data-32e6550159f0",       # test, 0.99
    "siren": "lincity-ng-data-ef1450ad77ef",         # train (the three real sirens all are), 0.94
    "alarm": "flightgear-data-base-f6d6662d221d",    # val, 0.97
    "animal": "tuxpaint-stamps-defa-4521b8b6ca8e",   # train (none of val/test is ranked animal first), 0.21
    "vehicle": "flightgear-data-base-7fae1c8a73f5",  # train, 0.53
    "impact": "0ad-data-e56d824c5180",               # test (>= 0.8 s: none of 2.5 s is right), 0.35
    "water": "0ad-data-69427df65c79",                # test, 0.95
    "human": "hedgewars-data-daaee8b5dbca",          # val (>= 0.8 s), 0.43
    "noise": "trigger-rally-data-a53dd20c00d7",      # test, 0.51
}
MIXTURE = ("speech-with-siren", "speech", "siren", -6.0)  # name, under, over, over's level relative to under (dB)


def clip_wave(clip):
    x = dataset.read_wave(clip["wav"])[: int(MAX_SECONDS * dataset.SR)]
    return x * (10 ** (-20 / 20) / (dataset.data.rms(x) + 1e-9))  # every clip at -20 dBFS RMS


def write(out_dir, name, wave):
    peak = float(np.max(np.abs(wave)))
    soundfile.write(os.path.join(out_dir, name + ".wav"), wave / peak * 0.9 if peak > 0.9 else wave,
                    dataset.SR, subtype="PCM_16")


def choose(checkpoint, clips, min_seconds=2.5):
    """Per label: among single-label clips of at least min_seconds, from the test split first (then val, then
    train), the one the model scores highest for its label among those it ranks that label first."""
    import torch
    import evaluate
    import train
    model, ckpt = evaluate.load(checkpoint)
    picks = {}
    for label in dataset.LABELS:
        for split in ("test", "val", "train"):
            cands = [c for c in clips.values() if c["labels"] == [label] and c["duration"] >= min_seconds
                     and dataset.split_of(c["group"]) == split]
            scored = []
            for c in cands[:200]:
                wave = torch.from_numpy(clip_wave(c).astype(np.float32))
                tokens = train.clip_tokens(wave, 10, ckpt["mean"], ckpt["std"], 3072)
                s = torch.sigmoid(train.predict(model, [tokens], tokens[0].shape[0]))[0]
                if int(s.argmax()) == dataset.LABELS.index(label):
                    scored.append((float(s.max()), c["id"], split))
            if scored:
                picks[label] = max(scored)
                break
    for label, (score, cid, split) in picks.items():
        print(f'    "{label}": "{cid}",  # {split}, score {score:.2f}')
    return picks


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", default=os.path.join(dataset.SOURCE_DIRS[0]))
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--choose", metavar="CKPT", help="print the best clip per label for CHOICES, then exit")
    args = ap.parse_args()
    clips = {c["id"]: c for c in dataset.load_manifest(args.manifest)}
    if args.choose:
        choose(args.choose, clips)
        return
    notice = ["Demo clips: real recordings cut from Debian packages (model/demo_clips.py, model/data_sources.py).",
              "Each is at most 6 s, mono 16 kHz, levelled to -20 dBFS RMS. Package, path inside it, license:", ""]
    waves = {}
    for label, cid in CHOICES.items():
        clip = clips[cid]
        data_sources.check_allowed(clip["source"])
        waves[label] = clip_wave(clip)
        write(args.out, label, waves[label])
        notice.append(f"{label}.wav: {clip['source']}, {clip['path']}, {clip['license']}")
    name, under, over, rel_db = MIXTURE
    n = len(waves[under])
    siren = np.resize(waves[over], n) * 10 ** (rel_db / 20)
    write(args.out, name, waves[under] + siren)
    notice.append(f"{name}.wav: {under}.wav with {over}.wav looped under it at {rel_db:+.0f} dB (both as above)")
    with open(os.path.join(args.out, "NOTICE"), "w") as f:
        f.write("\n".join(notice) + "\n")
    print("\n".join(notice))


if __name__ == "__main__":
    main()
