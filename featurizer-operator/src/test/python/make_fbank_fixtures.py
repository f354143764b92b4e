#!/usr/bin/python3
"""Golden fixtures for FbankExtractor parity: torchaudio.compliance.kaldi.fbank as AST uses it.

Run from the repository root with Debian's interpreter (python3-torch, python3-torchaudio, espeak-ng):
    /usr/bin/python3 featurizer-operator/src/test/python/make_fbank_fixtures.py

Writes featurizer-operator/src/test/resources/fbank-fixtures/:
  <clip>.f32                      input samples, float32 little-endian, in [-1, 1]
  <clip>.s<shift>.m<bins>.f32     expected log-mel, float32 little-endian, [frames, bins] frame-major:
                                  torchaudio on float32 input, exactly what AST trains on
  <clip>.s<shift>.m128.f64.f32    the same computed in float64 (stored as float32): torchaudio's own
                                  float32 rounding shows as the difference between the two, near the
                                  log(eps) floor it reaches ~1e-2, so the Java test checks both
  index.tsv                       clip, samples, frame_shift_ms, mel_bins, frames, file, float64 file or -
Every signal is seeded or synthetic, so reruns give the same files (espeak-ng output is deterministic).
"""
import math
import os
import subprocess
import tempfile

import numpy as np
import torch
import torchaudio

SAMPLE_RATE = 16000
FRAME_SHIFTS_MS = (10, 20, 25, 40)
MEL_BINS = (64, 128)
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fbank-fixtures")


def fbank(wave, frame_shift_ms, mel_bins, dtype=torch.float32):
    # exactly the AST call, minus AST's whole-clip mean subtraction
    return torchaudio.compliance.kaldi.fbank(
        torch.from_numpy(wave).to(dtype).unsqueeze(0), htk_compat=True, use_energy=False, window_type="hanning",
        dither=0.0, frame_length=25, frame_shift=frame_shift_ms, num_mel_bins=mel_bins,
        sample_frequency=SAMPLE_RATE).numpy()


def seconds(s):
    return np.arange(int(s * SAMPLE_RATE)) / SAMPLE_RATE


def speech():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "speech.wav")
        subprocess.run(["espeak-ng", "-v", "en", "-s", "170", "-w", path,
                        "Seven audio feeds, one transformer."], check=True)
        wave, rate = torchaudio.load(path)  # s16 / 32768, like the pipeline's WAV reader
    wave = torchaudio.functional.resample(wave, rate, SAMPLE_RATE)[0].numpy()
    return np.clip(wave[: int(1.5 * SAMPLE_RATE)], -1, 1)


def tones():
    t = seconds(1.0)
    return 0.3 * np.sin(2 * math.pi * 440 * t) + 0.2 * np.sin(2 * math.pi * 3000 * t)


def chirp():
    t = seconds(1.0)
    f0, f1 = 100.0, 7900.0
    return 0.5 * np.sin(2 * math.pi * (f0 * t + (f1 - f0) / 2 * t * t))


def noise():
    return np.random.default_rng(4).normal(0, 0.1, int(0.8 * SAMPLE_RATE))


def quiet_noise():
    return np.random.default_rng(5).normal(0, 1e-3, int(0.5 * SAMPLE_RATE))


def silence():
    return np.zeros(int(0.5 * SAMPLE_RATE))


def clipping():
    return np.clip(2.5 * np.sin(2 * math.pi * 220 * seconds(0.6)), -1, 1)


def dc_offset():
    t = seconds(0.6)
    rng = np.random.default_rng(6)
    return 0.4 + 0.2 * np.sin(2 * math.pi * 1000 * t) + rng.normal(0, 0.02, t.size)


def odd_length():
    # not a whole number of shifts: the last partial frame must be dropped (snip_edges)
    return np.random.default_rng(7).uniform(-0.5, 0.5, 16123)


def shorter_than_a_frame():
    return np.random.default_rng(8).uniform(-0.5, 0.5, 300)


CLIPS = {
    "speech": speech, "tones": tones, "chirp": chirp, "noise": noise, "quiet_noise": quiet_noise,
    "silence": silence, "clipping": clipping, "dc_offset": dc_offset, "odd_length": odd_length,
    "short": shorter_than_a_frame,
}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rows = []
    for name, make in CLIPS.items():
        wave = np.asarray(make(), dtype=np.float32)
        wave.astype("<f4").tofile(os.path.join(OUT_DIR, name + ".f32"))
        for shift in FRAME_SHIFTS_MS:
            for bins in MEL_BINS:
                if wave.size < 400:
                    # torchaudio refuses clips shorter than one 25 ms frame; the streaming extractor emits nothing
                    feats = np.zeros((0, bins), dtype=np.float32)
                else:
                    feats = fbank(wave, shift, bins)
                file = "%s.s%d.m%d.f32" % (name, shift, bins)
                feats.astype("<f4").tofile(os.path.join(OUT_DIR, file))
                file64 = "-"
                if bins == 128 and wave.size >= 400:
                    file64 = "%s.s%d.m%d.f64.f32" % (name, shift, bins)
                    fbank(wave, shift, bins, torch.float64).astype("<f4").tofile(os.path.join(OUT_DIR, file64))
                rows.append("%s\t%d\t%d\t%d\t%d\t%s\t%s" % (name, wave.size, shift, bins, feats.shape[0], file, file64))
    with open(os.path.join(OUT_DIR, "index.tsv"), "w") as f:
        f.write("clip\tsamples\tframe_shift_ms\tmel_bins\tframes\tfile\tfile_float64\n")
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
