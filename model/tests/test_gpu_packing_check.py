"""The GPU packing check runs end to end on the CPU (tiny sizes), so it does not rot between GPU loans."""
import subprocess
import sys

import gpu_packing_check as check


def test_token_counts_follow_the_serving_contract():
    assert check.tokens(1.0, 10) == 48      # 98 frames -> 6 time patches x 8 bands
    assert check.tokens(10.0, 10) == 496    # 998 frames -> 62 time patches
    assert check.tokens(10.0, 40) == 120    # 250 frames -> 15 time patches
    assert check.tokens(4.0, 20) == 96      # 199 frames -> 12 time patches
    assert check.tokens(0.1, 40) == 8       # shorter than one patch: one patch
    loads = check.workloads(54)
    assert list(loads) == ["1s", "10s", "mixed", "multiscale", "multires"]
    assert all(len(w) == 54 for w in loads.values())
    # the multi-resolution mix in the proportions of its hops: 20 : 5 : 2 per 10 s of audio
    assert [t for t, _ in loads["multires"]].count(48) == 40
    assert [t for t, _ in loads["multires"]].count(96) == 10
    assert [t for t, _ in loads["multires"]].count(120) == 4


def test_packed_rows_batch_equal_windows_without_a_mask_and_share_rows_otherwise():
    calls = check.plan_calls([(48, 6)] * 10, call_tokens=240)
    assert [len(c) for c in calls] == [5, 5] and all(len(r) == 1 for c in calls for r in c)
    calls = check.plan_calls([(496, 62), (48, 6), (48, 6), (400, 50)], call_tokens=4096)
    assert calls == [[[(496, 62)], [(400, 50), (48, 6), (48, 6)]]]


def test_smoke_run_checks_outputs_and_prints_the_ratio_line(capsys):
    check.main(["--device", "cpu", "--smoke"])
    out = capsys.readouterr().out
    assert "packed rows vs one-at-a-time logits" in out
    line = [l for l in out.splitlines() if l.startswith("gpu[fp32]")]
    assert line and all(f"packed/best_{k}=" in line[0] for k in ("1s", "10s", "mixed", "multiscale", "multires"))


def test_the_bundle_is_one_file_that_runs_without_elasticast_py(tmp_path):
    out = tmp_path / "gpu_check.py"
    check.main(["--bundle", str(out)])
    assert out.stat().st_size < 64 * 1024
    run = subprocess.run([sys.executable, str(out), "--help"], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert "--budget-s" in run.stdout
