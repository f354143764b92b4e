"""The GPU packing check runs end to end on the CPU (tiny sizes), so it does not rot between GPU loans."""
import gpu_packing_check as check


def test_token_counts_follow_the_serving_contract():
    assert check.tokens(1.0, 10) == 48      # 98 frames -> 6 time patches x 8 bands
    assert check.tokens(10.0, 10) == 496    # 998 frames -> 62 time patches
    assert check.tokens(10.0, 40) == 120    # 250 frames -> 15 time patches
    assert check.tokens(0.1, 40) == 8       # shorter than one patch: one patch
    loads = check.workloads(40)
    assert set(loads) == {"1s", "10s", "mixed", "multiscale", "multires"}
    assert all(len(w) == 40 for w in loads.values())


def test_smoke_run_checks_outputs_and_prints_the_ratio_line(capsys):
    check.main(["--device", "cpu", "--smoke"])
    out = capsys.readouterr().out
    assert "packed vs one-at-a-time logits" in out
    line = [l for l in out.splitlines() if l.startswith("gpu[fp32]")]
    assert line and all(f"packed/best_{k}=" in line[0] for k in ("1s", "10s", "mixed", "multiscale", "multires"))
