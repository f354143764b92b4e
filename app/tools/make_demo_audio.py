"""Writes the demo's bundled feeds: one short clip per class, made by model/data.py's recipe
with the demo's own seed (disjoint from train/val/test), as 16 kHz mono 16-bit WAV.

  /usr/bin/python3 app/tools/make_demo_audio.py     # -> app/src/main/resources/demo-audio/<label>.wav
"""
import os
import sys

import numpy as np
import soundfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "model"))
import data  # noqa: E402
from elasticast import LABELS  # noqa: E402

DEMO_SEED = 4004
MAX_SECONDS = 5.0
OUT = os.path.join(ROOT, "app", "src", "main", "resources", "demo-audio")


def main():
    os.makedirs(OUT, exist_ok=True)
    wanted = set(LABELS)
    index = 0
    while wanted:
        batch = list(range(index, index + len(LABELS)))
        for i, wave, label in data.make_batch(DEMO_SEED, batch):
            name = LABELS[label]
            if name in wanted and len(wave) >= data.SR * 2.0:
                clip = wave[: int(MAX_SECONDS * data.SR)]
                soundfile.write(os.path.join(OUT, f"{name}.wav"), clip, data.SR, subtype="PCM_16")
                wanted.discard(name)
                print(f"{name}: {len(clip) / data.SR:.2f} s (index {i})")
        index += len(LABELS)


if __name__ == "__main__":
    main()
