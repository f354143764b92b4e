"""model/synth.py: seeded synthetic clips for the monitoring labels."""
import collections
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile

import synth

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from elasticast import LABELS as LABEL_LIST

LABELS = set(LABEL_LIST)


def test_recipes_make_finite_audio_in_range(tmp_path):
    for k, recipe in enumerate(synth.RECIPES):
        lo, hi = synth.RECIPES[recipe][2]
        seconds = min(hi, max(lo, 2.0))
        x, desc, group = synth.render_recipe(recipe, np.random.default_rng([5, k]), seconds, str(tmp_path))
        assert x.dtype == np.float64 and x.ndim == 1, recipe
        assert np.all(np.isfinite(x)), recipe
        assert int(synth.MIN_SECONDS * synth.SR) <= len(x) <= int(seconds * synth.SR), (recipe, len(x))
        assert synth.rms(x) > 1e-4, recipe  # not silent
        assert isinstance(desc, str) and desc
        assert set(synth.RECIPES[recipe][0]) <= LABELS


def test_clip_deterministic_and_levelled():
    for index in range(6):  # a few categories incl. numpy and external-tool recipes
        a, ra = synth.make_clip(11, index)
        b, rb = synth.make_clip(11, index)
        assert np.array_equal(a, b) and ra == rb
        assert a.dtype == np.int16
        assert synth.MIN_SECONDS <= ra["duration"] <= synth.MAX_SECONDS
        peak_db = 20 * np.log10(np.max(np.abs(a)) / 32767.0)
        assert -31.0 <= peak_db <= -0.9, (ra, peak_db)
    c, _ = synth.make_clip(12, 0)
    assert not (len(c) == len(a) and np.array_equal(c, synth.make_clip(11, 0)[0]))


def test_label_mix_matches_target():
    counts = collections.Counter(synth.category_of(7, i) for i in range(200))
    expected = {"siren": 40, "alarm": 40, "speech": 40, "music": 40, "noise": 20, "vehicle": 10, "water": 10}
    assert dict(counts) == expected  # exact at every multiple of 20
    mixes = sum(synth.plan(7, i)[1] is not None for i in range(400))
    assert 20 <= mixes <= 65  # ~10 % overlays
    for i in range(100):
        recipe, second, seconds = synth.plan(7, i)
        lo, hi = synth.RECIPES[recipe][2]
        assert lo <= seconds <= hi
        assert second is None or synth.RECIPES[second][0] != synth.RECIPES[recipe][0]


def test_guard_refuses_reserved_synthesizers(tmp_path):
    for bad in ["/usr/share/sounds/sf2/TimGM6mb.sf2", "/usr/share/sounds/sf2/timgm6mb.sf2", "flite",
                "/usr/bin/festival", "festvox-kallpc16k", "text2wave_festival"]:
        with pytest.raises(RuntimeError):
            synth.guard(bad)
    with pytest.raises(RuntimeError):
        synth.run(["flite", "-t", "hello", "-o", str(tmp_path / "x.wav")])
    with pytest.raises(RuntimeError):
        synth.run(["fluidsynth", "-ni", "/usr/share/sounds/sf2/TimGM6mb.sf2", "x.mid"])
    link = tmp_path / "innocent.sf2"  # a link to a reserved soundfont is refused by its target
    target = tmp_path / "TimGM6mb.sf2"
    target.write_bytes(b"")
    link.symlink_to(target)
    with pytest.raises(RuntimeError):
        synth.guard(str(link))
    synth.guard("espeak-ng", "/usr/share/sounds/sf2/FluidR3_GM.sf2")  # allowed ones pass
    for path, _ in synth.available_soundfonts():
        synth.guard(path)


def test_end_to_end_count_8(tmp_path):
    out = tmp_path / "synth"
    subprocess.run([sys.executable, os.path.join(HERE, "synth.py"), "--count", "8", "--out", str(out),
                    "--seed", "5", "--workers", "2"], check=True, capture_output=True, timeout=120)
    recs = [json.loads(line) for line in open(out / "clips.jsonl")]
    assert len(recs) == 8 and len({r["id"] for r in recs}) == 8
    fields = {"id": str, "source": str, "path": str, "license": str, "labels": list, "duration": float,
              "group": str, "file": str}
    for r in recs:
        assert set(r) == set(fields)
        for k, t in fields.items():
            assert isinstance(r[k], t), (k, r)
        assert r["source"].startswith("synth:") and r["license"] == "generated"
        assert r["labels"] and set(r["labels"]) <= LABELS
        assert r["file"].startswith("wav/")
        x, sr = soundfile.read(out / r["file"], dtype="int16")
        info = soundfile.info(out / r["file"])
        assert sr == 16000 and x.ndim == 1 and info.subtype == "PCM_16"
        assert abs(len(x) / sr - r["duration"]) < 1e-3
    assert (out / "summary.md").read_text().startswith("# Synthetic clips")
    # the files are a pure function of (seed, index): clip 3 again, alone
    pcm, rec = synth.make_clip(5, 3)
    x, _ = soundfile.read(out / recs[3]["file"], dtype="int16")
    assert np.array_equal(pcm, x) and rec["labels"] == recs[3]["labels"]
