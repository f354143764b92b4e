"""bench_sizes.py: every model, checkpoint or untrained size, is timed on the same windows."""
import json
import os
import subprocess
import sys

import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_sizes_are_timed_side_by_side(tmp_path):
    g = torch.Generator().manual_seed(0)
    fbanks = [(torch.randn(n, 128, generator=g) * 3 - 5).half() for n in (40, 120, 300)]
    torch.save({"fbanks": fbanks, "labels": torch.zeros(3, 10), "info": [{}] * 3}, tmp_path / "test.pt")
    (tmp_path / "stats.json").write_text(json.dumps({"mean": -5.0, "std": 3.0}))
    out = subprocess.run([sys.executable, os.path.join(HERE, "bench_sizes.py"), "--set", str(tmp_path),
                          "d32x1", "d48x2", "--rounds", "2"], capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    assert lines[0].startswith("3 windows, 216 tokens")         # (2 + 7 + 18) time patches x 8 frequency patches
    assert "d=32 depth=1" in lines[1] and "x1.00 of the first" in lines[1]
    assert "d=48 depth=2" in lines[2] and "params=0." in lines[2]
