"""The monitoring training set: real recordings (data_sources.py) and synthetic clips (synth.py), split by group,
augmented so the model learns the sound rather than the room or the microphone, and mixed so it learns that
labels are not exclusive. Stored as raw 10 ms log-mel (float16) with multi-hot labels, ready for train.py.

  /usr/bin/python3 model/dataset.py --variants 2 --mixtures 0.3      # -> model/data/set/{train,val,test}.pt

- Split: by each clip's `group` (a voice pack, the segments of one file, Hit1/Hit2/Hit3), so near-identical
  clips never sit on both sides: 76 % train, 12 % val, 12 % test.
- Train: every clip `--variants` times, each through a random chain of gain, EQ / telephone band / low-pass,
  speed (pitch with it), reverb, a codec round trip (mp3, ogg, gsm, g722 through ffmpeg) and background noise at
  0-30 dB SNR; plus `--mixtures` x clips mixtures of two or three clips of different labels carrying the union
  of their labels (each part augmented the same way). SpecAugment and random crops happen in train.py.
- Val / test: every clip as recorded (no augmentation), plus mixtures of two clean clips of the same split,
  so that multi-label thresholds are chosen and judged on overlapping sounds too.
- Heldout: synthetic clips made by synthesizers that training never hears (HELDOUT_SYNTH), as made.
- Quiet (`--quiet F`, every split but heldout): F x clips samples with no label at all: digital silence, or
  white / pink / brown noise (sometimes with mains hum) at -80 to -40 dBFS. Without them the model has never
  heard an empty room, and faint hiss scores as `alarm`.
Frame shifts of 20/30/40 ms are every 2nd/3rd/4th 10 ms frame (kaldi fbank, snip_edges), so one 10 ms fbank per
sample serves all of them.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from multiprocessing import Pool

import numpy as np
import soundfile
import torch
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from elasticast import LABELS  # noqa: E402

SR = data.SR
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIRS = [os.path.join(data.DATA_DIR, "real"), os.path.join(data.DATA_DIR, "synth")]
OUT_DIR = os.path.join(data.DATA_DIR, "set")
SPLIT_FRACTIONS = (("train", 0.76), ("val", 0.12), ("test", 0.12))
# Synthesizers that training never hears (the `path` of a synth clip describes how it was made): one soundfont
# and espeak-ng's Klatt voices. Their clips form the `heldout` split, scored like test.
HELDOUT_SYNTH = (r"sf=sf_GMbank\.sf2", r"espeak-ng -v '[^']*\+klatt\d?'")
MAX_SECONDS = 12.0
CODECS = {  # ffmpeg (encoder options, decoder input options) of a lossy round trip back to 16 kHz mono
    "mp3": (["-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3"], ["-f", "mp3"]),
    "ogg": (["-c:a", "libvorbis", "-q:a", "1", "-f", "ogg"], ["-f", "ogg"]),
    "gsm": (["-ar", "8000", "-c:a", "libgsm", "-f", "gsm"], ["-f", "gsm", "-ar", "8000"]),
    "g722": (["-c:a", "g722", "-f", "wav"], ["-f", "wav"]),
}


# clips

def load_manifest(directory):
    """clips.jsonl of one source directory -> list of clip dicts with an absolute `wav` path."""
    path = os.path.join(directory, "clips.jsonl")
    clips = []
    with open(path) as f:
        for line in f:
            if line.strip():
                clip = json.loads(line)
                unknown = [lab for lab in clip["labels"] if lab not in LABELS]
                if unknown:
                    raise ValueError(f"{path}: clip {clip['id']} has labels {unknown} outside {LABELS}")
                clip["wav"] = os.path.join(directory, clip["file"])
                clips.append(clip)
    return clips


def heldout_synth(clip):
    """Whether a clip was made (in whole or in part) by a held-out synthesizer."""
    return clip["source"].startswith("synth:") and any(re.search(p, clip["path"]) for p in HELDOUT_SYNTH)


def split_of(group):
    """train / val / test from a stable hash of the clip's group."""
    u = int(hashlib.sha1(group.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    acc = 0.0
    for name, fraction in SPLIT_FRACTIONS:
        acc += fraction
        if u < acc:
            return name
    return SPLIT_FRACTIONS[-1][0]


def multi_hot(labels):
    y = np.zeros(len(LABELS), dtype=np.float32)
    for lab in labels:
        y[LABELS.index(lab)] = 1.0
    return y


def read_wave(path):
    x, sr = soundfile.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if sr != SR:
        x = torchaudio.functional.resample(torch.from_numpy(x), sr, SR).numpy()
    return x[: int(MAX_SECONDS * SR)]


# augmentation (numpy; every function takes the wave and a numpy Generator)

def db(x):
    return 20 * np.log10(data.rms(x) + 1e-9)


def fft_filter(x, gain_of_freq):
    spec = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1.0 / SR)
    return np.fft.irfft(spec * gain_of_freq(freqs), len(x)).astype(np.float32)


def random_eq(x, rng):
    """A smooth random tilt/bump curve (+-6 dB over 8 log-spaced bands); sometimes the telephone band
    (300-3400 Hz) or a 4-8 kHz low-pass, so bandwidth cannot stand in for a label."""
    choice = rng.random()
    if choice < 0.15:
        return fft_filter(x, lambda f: ((f >= 300) & (f <= 3400)).astype(np.float64))
    if choice < 0.35:
        cutoff = rng.uniform(4000, 8000)
        return fft_filter(x, lambda f: 1.0 / np.sqrt(1.0 + (f / cutoff) ** 8))
    centres = np.geomspace(60, 7500, 8)
    gains_db = rng.uniform(-6, 6, size=8)
    return fft_filter(x, lambda f: 10 ** (np.interp(np.log(np.maximum(f, 30)), np.log(centres), gains_db) / 20))


def reverb(x, rng):
    """Convolution with an exponentially decaying noise tail (RT60 0.15-1.0 s), mixed wet 20-70 %."""
    rt60 = rng.uniform(0.15, 1.0)
    n = int(rt60 * SR)
    t = np.arange(n) / SR
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir[0] = 0.0
    size = 1 << int(np.ceil(np.log2(len(x) + n)))
    wet = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)[: len(x)]
    wet *= data.rms(x) / (data.rms(wet) + 1e-9)
    mix = rng.uniform(0.2, 0.7)
    return ((1 - mix) * x + mix * wet).astype(np.float32)


def change_speed(x, rng):
    """Speed and pitch together by 0.85-1.15 (resampling)."""
    source_rate = int(round(SR * rng.uniform(0.85, 1.15) / 400)) * 400  # gcd with 16000 >= 400: a short kernel
    return torchaudio.functional.resample(torch.from_numpy(x), source_rate, SR).numpy().astype(np.float32)


def background(n, rng):
    """A noise bed: white / pink / brown noise, sometimes with mains hum."""
    bed = data.colored_noise(n, rng, str(rng.choice(["white", "pink", "brown"])))
    if rng.random() < 0.3:
        t = np.arange(n) / SR
        f0 = float(rng.choice([50.0, 60.0]))
        bed = bed + sum(rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3))
                        for k in range(1, 6)) * 2.0
    return (bed / (data.rms(bed) + 1e-9)).astype(np.float32)


def add_background(x, rng):
    snr_db = rng.uniform(0, 30)
    bed = background(len(x), rng)
    return (x + bed * data.rms(x) / 10 ** (snr_db / 20)).astype(np.float32)


def codec_roundtrip(x, codec):
    """Encode with ffmpeg and decode back to 16 kHz mono float."""
    with tempfile.TemporaryDirectory() as tmp:
        src, enc, dst = (os.path.join(tmp, n) for n in ("in.wav", "enc", "out.wav"))
        soundfile.write(src, np.clip(x, -1, 1), SR, subtype="PCM_16")
        encode, decode = CODECS[codec]
        data.run(["ffmpeg", "-nostdin", "-y", "-i", src, "-ac", "1", *encode, enc])
        data.run(["ffmpeg", "-nostdin", "-y", *decode, "-i", enc, "-ar", str(SR), "-ac", "1", dst])
        y, _ = soundfile.read(dst, dtype="float32")
    return y[: len(x)] if len(y) >= len(x) else np.pad(y, (0, len(x) - len(y)))


def augment(x, rng, codec_prob=0.1):
    if rng.random() < 0.6:
        x = random_eq(x, rng)
    if rng.random() < 0.3:
        x = change_speed(x, rng)
    if rng.random() < 0.35:
        x = reverb(x, rng)
    if rng.random() < 0.7:
        x = add_background(x, rng)
    if rng.random() < codec_prob:
        x = codec_roundtrip(x, str(rng.choice(sorted(CODECS))))
    return set_level(x, rng)


def set_level(x, rng):
    """Random loudness: RMS between -45 and -12 dBFS, peaks kept below full scale."""
    x = x * 10 ** ((rng.uniform(-45, -12) - db(x)) / 20)
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    return (x / peak * 0.99 if peak > 0.99 else x).astype(np.float32)


def mix(parts, rng):
    """Overlay waves at random offsets within the longest, each at 0 to -10 dB relative to the first."""
    length = max(len(p) for p in parts)
    out = np.zeros(length, dtype=np.float32)
    ref = data.rms(parts[0])
    for k, p in enumerate(parts):
        gain = 1.0 if k == 0 else ref / (data.rms(p) + 1e-9) * 10 ** (-rng.uniform(0, 10) / 20)
        start = int(rng.integers(0, length - len(p) + 1))
        out[start:start + len(p)] += p * gain
    return out


QUIET_DBFS = (-80.0, -40.0)
QUIET_SECONDS = (0.5, 10.0)


def quiet_wave(rng):
    """An empty room: digital silence (a fifth of the time) or a noise bed at QUIET_DBFS RMS."""
    n = int(rng.uniform(*QUIET_SECONDS) * SR)
    if rng.random() < 0.2:
        return np.zeros(n, dtype=np.float32)
    return (background(n, rng) * 10 ** (rng.uniform(*QUIET_DBFS) / 20)).astype(np.float32)


def pick_mixture(clips, rng):
    """Indices of two or three clips whose label sets differ."""
    count = 2 if rng.random() < 0.7 else 3
    chosen, labels = [], set()
    for _ in range(50):
        i = int(rng.integers(0, len(clips)))
        if not set(clips[i]["labels"]) & labels:
            chosen.append(i)
            labels |= set(clips[i]["labels"])
            if len(chosen) == count:
                break
    return chosen


# features

def raw_fbank(x):
    """Raw 10 ms log-mel [frames, 128] as float16 (one patch at least: short clips are zero-padded in time)."""
    if len(x) < 400:
        x = np.pad(x, (0, 400 - len(x)))
    return data.fbank(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), data.FEATURE_SHIFT_MS).half()


def _sample(job):
    """One stored sample: (fbank, multi-hot, info) from a job (kind, clip indices, seed)."""
    kind, idx, seed, clips = job
    rng = np.random.default_rng(seed)
    if kind == "quiet":
        info = {"ids": [], "sources": ["quiet"], "labels": [], "real": False, "quiet": True}
        return raw_fbank(quiet_wave(rng)), multi_hot([]), info
    waves = [read_wave(clips[i]["wav"]) for i in idx]
    if kind == "augmented":
        waves = [augment(w, rng) for w in waves]
    wave = waves[0] if len(waves) == 1 else mix(waves, rng)
    wave = wave[: int(MAX_SECONDS * SR)]  # a slowed-down clip can outgrow the cap
    if kind == "augmented" or len(waves) > 1:
        wave = set_level(wave, rng)
    labels = sorted({lab for i in idx for lab in clips[i]["labels"]})
    info = {"ids": [clips[i]["id"] for i in idx], "sources": [clips[i]["source"] for i in idx], "labels": labels,
            "real": all(not clips[i]["source"].startswith("synth:") for i in idx)}
    return raw_fbank(wave), multi_hot(labels), info


def jobs_for(split, clips, variants, mixtures, seed, quiet=0.0):
    rng = np.random.default_rng(seed)
    out = []
    if split != "heldout":
        out += [("quiet", [], int(rng.integers(1 << 62)), clips) for _ in range(int(quiet * len(clips)))]
    if split == "train":
        for v in range(variants):
            out += [("augmented", [i], int(rng.integers(1 << 62)), clips) for i in range(len(clips))]
        out += [("augmented", pick_mixture(clips, rng), int(rng.integers(1 << 62)), clips)
                for _ in range(int(mixtures * len(clips)))]
    elif split == "heldout":
        out += [("clean", [i], 0, clips) for i in range(len(clips))]
    else:
        out += [("clean", [i], 0, clips) for i in range(len(clips))]
        real = [i for i, c in enumerate(clips) if not c["source"].startswith("synth:")]
        sub = [clips[i] for i in real]
        out += [("clean", [real[j] for j in pick_mixture(sub, rng)], int(rng.integers(1 << 62)), clips)
                for _ in range(int(mixtures * len(real)))]
    return out


def build(source_dirs, out_dir, variants, mixtures, workers=2, seed=7, limit=None, quiet=0.0):
    clips = [c for d in source_dirs if os.path.exists(os.path.join(d, "clips.jsonl")) for c in load_manifest(d)]
    if limit:
        clips = clips[:limit]
    os.makedirs(out_dir, exist_ok=True)
    summary = {}
    held = [c for c in clips if heldout_synth(c)]
    clips = [c for c in clips if not heldout_synth(c)]
    splits = [name for name, _ in SPLIT_FRACTIONS] + ["heldout"]
    for k, split in enumerate(splits):
        part = held if split == "heldout" else [c for c in clips if split_of(c["group"]) == split]
        if split == "heldout" and not part:
            continue
        jobs = jobs_for(split, part, variants, mixtures, seed + k, quiet)
        with Pool(workers) as pool:
            samples = pool.map(_sample, jobs, chunksize=16) if workers > 1 else list(map(_sample, jobs))
        samples = [s for s in samples if s[0].shape[0] > 0]
        torch.save({"fbanks": [s[0] for s in samples], "labels": torch.from_numpy(np.stack([s[1] for s in samples])),
                    "info": [s[2] for s in samples], "label_names": LABELS},
                   os.path.join(out_dir, f"{split}.pt"))
        summary[split] = {"clips": len(part), "samples": len(samples), "quiet": sum(bool(s[2].get("quiet")) for s in samples),
                          "per_label": {lab: int(sum(lab in s[2]["labels"] for s in samples)) for lab in LABELS}}
        print(split, json.dumps(summary[split]), flush=True)
    train = torch.load(os.path.join(out_dir, "train.pt"))
    mean, std = fbank_stats(train["fbanks"])
    with open(os.path.join(out_dir, "stats.json"), "w") as f:
        json.dump({"mean": mean, "std": std, "recipe": recipe_version(variants, mixtures, quiet), "summary": summary},
                  f, indent=2)
    return summary


def fbank_stats(fbanks):
    """Mean/std of the raw log-mel values over the training samples (float64 sums)."""
    s = s2 = n = 0.0
    for fb in fbanks:
        fb = fb.double()
        s, s2, n = s + float(fb.sum()), s2 + float((fb ** 2).sum()), n + fb.numel()
    mean = s / n
    return mean, float(np.sqrt(s2 / n - mean ** 2))


def recipe_version(variants, mixtures, quiet=0.0):
    if quiet:
        return (f"monitor-v3 (real+synth, {variants} augmented variants, {mixtures} mixtures and {quiet} quiet "
                f"samples per clip)")
    return f"monitor-v2 (real+synth, {variants} augmented variants, {mixtures} mixtures per clip)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", type=int, default=2)
    ap.add_argument("--mixtures", type=float, default=0.3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quiet", type=float, default=0.0, help="samples with no label (silence, faint noise) per clip")
    ap.add_argument("--limit", type=int, help="first N clips only (a quick check)")
    ap.add_argument("--out", default=OUT_DIR)
    ap.add_argument("--sources", nargs="+", default=SOURCE_DIRS,
                    help="directories with clips.jsonl (default: model/data/real and model/data/synth)")
    args = ap.parse_args()
    torch.set_num_threads(1)  # the workers are the parallelism
    build(args.sources, args.out, args.variants, args.mixtures, args.workers, limit=args.limit, quiet=args.quiet)


if __name__ == "__main__":
    main()
