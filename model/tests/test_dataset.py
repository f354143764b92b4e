"""dataset.py (split, augmentation, mixtures, build) and multi-label training on its output."""
import json
import os
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
import soundfile
import torch

import data
import dataset
import export_onnx
import train
from elasticast import LABELS, ElasticAST, ElasticASTConfig

ARTIFACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "artifacts")


def tone(seconds, freq, level=0.3):
    t = np.arange(int(seconds * data.SR)) / data.SR
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_split_is_stable_per_group_and_near_its_fractions():
    counts = Counter(dataset.split_of(f"group-{i}") for i in range(20000))
    for name, fraction in dataset.SPLIT_FRACTIONS:
        assert abs(counts[name] / 20000 - fraction) < 0.015
    assert all(dataset.split_of("hedgewars:Russian") == dataset.split_of("hedgewars:Russian") for _ in range(3))


def test_manifest_with_an_unknown_label_is_refused(tmp_path):
    (tmp_path / "clips.jsonl").write_text(json.dumps(
        {"id": "a", "source": "p", "path": "x.ogg", "license": "GPL", "labels": ["piano"], "duration": 1.0,
         "group": "g", "file": "wav/a.wav"}) + "\n")
    with pytest.raises(ValueError, match="piano"):
        dataset.load_manifest(str(tmp_path))


def test_augmentations_keep_audio_finite_and_change_it():
    rng = np.random.default_rng(3)
    x = tone(1.0, 100) + tone(1.0, 440) + tone(1.0, 7000)
    for f in (dataset.random_eq, dataset.reverb, dataset.add_background, dataset.set_level):
        y = f(x, rng)
        assert y.dtype == np.float32 and len(y) == len(x) and np.isfinite(y).all()
        assert not np.allclose(x, y)
    fast = dataset.change_speed(x, np.random.default_rng(0))
    assert 0.8 * len(x) < len(fast) < 1.2 * len(x) and len(fast) != len(x)
    level = dataset.db(dataset.set_level(x, rng))
    assert -46 < level < -11


def test_telephone_band_removes_what_lies_outside_it():
    x = tone(1.0, 100) + tone(1.0, 1000) + tone(1.0, 6000)
    rng = np.random.default_rng(0)
    for _ in range(100):  # the band is one of random_eq's choices; find it by its effect
        y = dataset.random_eq(x, rng)
        spec = np.abs(np.fft.rfft(y))
        if spec[100] < 1e-3 * spec[1000] and spec[6000] < 1e-3 * spec[1000]:
            return
    pytest.fail("random_eq never applied the telephone band")


@pytest.mark.parametrize("codec", sorted(dataset.CODECS))
def test_codec_round_trip_returns_the_same_length_at_16k(codec):
    x = tone(0.5, 700)
    y = dataset.codec_roundtrip(x, codec)
    assert len(y) == len(x) and np.isfinite(y).all() and 0.1 < data.rms(y) / data.rms(x) < 3


def test_mixtures_carry_the_union_of_distinct_labels():
    clips = [{"labels": ["speech"]}, {"labels": ["siren"]}, {"labels": ["music"]}, {"labels": ["speech"]}]
    rng = np.random.default_rng(1)
    for _ in range(20):
        idx = dataset.pick_mixture(clips, rng)
        labels = [lab for i in idx for lab in clips[i]["labels"]]
        assert 2 <= len(idx) <= 3 and len(labels) == len(set(labels))
    out = dataset.mix([tone(1.0, 300), tone(0.4, 2000)], rng)
    assert len(out) == data.SR and np.isfinite(out).all()


def write_source(root, clips):
    os.makedirs(root / "wav")
    with open(root / "clips.jsonl", "w") as f:
        for cid, labels, wave in clips:
            soundfile.write(root / "wav" / f"{cid}.wav", wave, data.SR, subtype="PCM_16")
            f.write(json.dumps({"id": cid, "source": "fixture-pkg", "path": f"{cid}.ogg", "license": "GPL-2",
                                "labels": labels, "duration": len(wave) / data.SR, "group": cid,
                                "file": f"wav/{cid}.wav"}) + "\n")


def test_build_writes_every_split_with_multi_hot_labels_and_stats(tmp_path):
    rng = np.random.default_rng(0)
    clips, k = [], 0
    while len({dataset.split_of(f"c{i}") for i in range(k)}) < 3 or k < 12:  # at least one clip per split
        label = LABELS[k % len(LABELS)]
        clips.append((f"c{k}", [label], tone(rng.uniform(0.1, 1.5), 200 + 150 * k)))
        k += 1
    write_source(tmp_path / "real", clips)
    summary = dataset.build([str(tmp_path / "real")], str(tmp_path / "set"), variants=2, mixtures=0.5, workers=1)
    stats = json.load(open(tmp_path / "set" / "stats.json"))
    assert np.isfinite(stats["mean"]) and stats["std"] > 0 and "monitor" in stats["recipe"]
    for split, _ in dataset.SPLIT_FRACTIONS:
        stored = torch.load(tmp_path / "set" / f"{split}.pt")
        n = len(stored["fbanks"])
        assert n == summary[split]["samples"] and stored["labels"].shape == (n, len(LABELS))
        for fb, y, info in zip(stored["fbanks"], stored["labels"], stored["info"]):
            assert fb.dtype == torch.float16 and fb.shape[1] == 128 and fb.shape[0] >= 1
            assert sorted(LABELS[i] for i in torch.nonzero(y).flatten()) == info["labels"]
            assert all(dataset.split_of(cid) == split for cid in info["ids"])  # no clip crosses a split
    train_part = summary["train"]
    assert train_part["samples"] == 2 * train_part["clips"] + int(0.5 * train_part["clips"])


def test_quiet_samples_are_faint_or_silent_and_carry_no_label(tmp_path):
    rng = np.random.default_rng(3)
    silent, levels = 0, []
    for _ in range(200):
        x = dataset.quiet_wave(rng)
        assert dataset.QUIET_SECONDS[0] * data.SR <= len(x) <= dataset.QUIET_SECONDS[1] * data.SR
        assert np.all(np.isfinite(x))
        if not np.any(x):
            silent += 1
        else:
            levels.append(dataset.db(x))
    assert 20 < silent < 70                                              # about a fifth is digital silence
    assert min(levels) > dataset.QUIET_DBFS[0] - 1 and max(levels) < dataset.QUIET_DBFS[1] + 1
    clips = [(f"q{k}", [LABELS[k % len(LABELS)]], tone(0.5, 300 + 50 * k)) for k in range(30)]
    write_source(tmp_path / "real", clips)
    summary = dataset.build([str(tmp_path / "real")], str(tmp_path / "set"), variants=1, mixtures=0.0, workers=1,
                            quiet=0.5)
    assert "quiet" in json.load(open(tmp_path / "set" / "stats.json"))["recipe"]
    for split, _ in dataset.SPLIT_FRACTIONS:
        part = summary[split]
        assert part["quiet"] == int(0.5 * part["clips"])
        stored = torch.load(tmp_path / "set" / f"{split}.pt")
        quiet = [k for k, info in enumerate(stored["info"]) if info.get("quiet")]
        assert len(quiet) == part["quiet"]
        assert all(stored["labels"][k].sum() == 0 and not stored["info"][k]["real"] for k in quiet)


def test_average_precision_ranks_perfect_above_reversed():
    targets = torch.tensor([[1, 0], [1, 0], [0, 1], [0, 0]], dtype=torch.float32)
    good = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.3]])
    assert train.mean_ap(good, targets) == pytest.approx(1.0)
    assert train.mean_ap(1 - good, targets) < 0.6


def test_balanced_order_draws_rare_labels_more_often():
    labels = torch.zeros(100, len(LABELS))
    labels[:90, 0] = 1  # 90 speech
    labels[90:, 2] = 1  # 10 siren
    cfg = replace(train.RUNS["monitor"], balance=1.0)
    order = train.sample_order(cfg, labels, np.random.default_rng(0))
    assert len(order) == 100 and 30 < sum(int(i) >= 90 for i in order) < 70  # about half siren, not a tenth


def test_balanced_order_draws_samples_without_a_label_as_a_label_of_their_own():
    labels = torch.zeros(100, len(LABELS))
    labels[:90, 0] = 1  # 90 speech, 10 with no label (quiet)
    cfg = replace(train.RUNS["monitor"], balance=1.0)
    order = train.sample_order(cfg, labels, np.random.default_rng(0))
    assert 30 < sum(int(i) >= 90 for i in order) < 70  # about half, not never (weight 0) and not a tenth


def test_synth_weight_draws_synthetic_samples_less_often():
    labels = torch.zeros(1000, len(LABELS))
    labels[:, 3] = 1  # all alarm: balance alone draws every sample alike
    real = [i < 500 for i in range(1000)]
    cfg = replace(train.RUNS["monitor"], balance=0.5, synth_weight=0.25)
    order = train.sample_order(cfg, labels, np.random.default_rng(0), real)
    synthetic = sum(int(i) >= 500 for i in order)
    assert 120 < synthetic < 280  # 0.25 / 1.25 = a fifth, not a half
    plain = train.sample_order(replace(cfg, synth_weight=1.0), labels, np.random.default_rng(0), real)
    assert 420 < sum(int(i) >= 500 for i in plain) < 580


def test_continued_training_starts_from_an_exported_model_and_its_normalisation():
    meta = json.load(open(os.path.join(ARTIFACTS, "model-tiny-random.json")))
    init = train.init_weights(os.path.join(ARTIFACTS, "model-tiny-random.json"))
    assert init["mean"] == meta["mean"] and init["std"] == meta["std"]
    model = ElasticAST(ElasticASTConfig(**{k: init["model_args"][k] for k in ("d_model", "depth", "heads")},
                                        max_time_positions=meta["max_time_positions"]))
    model.load_state_dict(init["model"])  # every weight present, every shape right
    fixture = json.load(open(os.path.join(ARTIFACTS, "fixtures", "elasticast-tiny-random-parity.json")))
    args, expected = export_onnx.fixture_tensors(fixture)
    with torch.no_grad():
        got = model.eval().forward_flat(*args)
    assert (got - expected).abs().max().item() < 1e-4


def test_multi_label_training_step_runs_on_a_built_set(tmp_path):
    rng = np.random.default_rng(0)
    clips = [(f"g{i}", [LABELS[i % 3]], tone(rng.uniform(0.3, 1.2), 300 * (1 + i % 3))) for i in range(30)]
    write_source(tmp_path / "real", clips)
    dataset.build([str(tmp_path / "real")], str(tmp_path / "set"), variants=1, mixtures=0.3, workers=1, quiet=0.3)
    stats = json.load(open(tmp_path / "set" / "stats.json"))
    tr = train.FbankSet(str(tmp_path / "set" / "train.pt"), stats["mean"], stats["std"], 3072)
    va = train.FbankSet(str(tmp_path / "set" / "val.pt"), stats["mean"], stats["std"], 3072)
    assert any(row.sum() == 0 for row in tr.labels)                      # quiet samples (no label) train too
    cfg = replace(train.RUNS["monitor"], d_model=32, depth=1, heads=2, epochs=1, step_tokens=512, warmup_steps=1)
    model, history = train.train(cfg, (tr, tr.labels), (va, va.labels), stats, max_steps=3, log=lambda _: None)
    assert history and np.isfinite(history[0]["train_loss"])
    if len(va):
        assert 0.0 <= history[0]["val_map"] <= 1.0 and 0.0 <= history[0]["val_top1"] <= 1.0


def test_thresholds_are_chosen_where_f1_is_best():
    import evaluate_monitor
    s = torch.zeros(6, len(LABELS))
    y = torch.zeros(6, len(LABELS))
    s[:, 0] = torch.tensor([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    y[:3, 0] = 1
    t = evaluate_monitor.choose_thresholds(s, y)
    assert 0.3 < t["speech"] <= 0.7 and t["music"] == 0.5  # no positives: the neutral 0.5
    assert evaluate_monitor.prf((s[:, 0] >= t["speech"]).float(), y[:, 0]) == (1.0, 1.0, 1.0)


def test_monitor_evaluation_reports_every_label_and_setting(tmp_path):
    import evaluate_monitor
    from elasticast import ElasticAST, ElasticASTConfig
    rng = np.random.default_rng(0)
    clips = [(f"e{i}", [LABELS[i % len(LABELS)]], tone(rng.uniform(0.3, 1.2), 250 + 40 * i)) for i in range(60)]
    write_source(tmp_path / "real", clips)
    dataset.build([str(tmp_path / "real")], str(tmp_path / "set"), variants=1, mixtures=0.3, workers=1)
    stats = json.load(open(tmp_path / "set" / "stats.json"))
    val = train.FbankSet(str(tmp_path / "set" / "val.pt"), stats["mean"], stats["std"], 3072)
    test = train.FbankSet(str(tmp_path / "set" / "test.pt"), stats["mean"], stats["std"], 3072)
    model = ElasticAST(ElasticASTConfig(d_model=32, depth=1, heads=2)).eval()
    res = evaluate_monitor.evaluate_set(model, val, test)
    assert set(res["thresholds"]) == set(LABELS) and set(res["per_label"]) == set(LABELS)
    assert sum(map(sum, res["confusion"])) == res["single_real_clips"] > 0
    assert set(res["settings"]) == {"1s@10ms", "2s@10ms", "5s@10ms", "10s@10ms", "native@10ms", "native@20ms",
                                    "native@30ms", "native@40ms"}
    assert "| speech |" in evaluate_monitor.markdown(res)
    assert sum(n for n, _ in res["top1_by_source"].values()) == res["single_real_clips"]
    right = sum(r for _, r in res["top1_by_source"].values())
    assert right == round(res["top1_single_real"] * res["single_real_clips"])
    assert res["quiet"] is None                                          # a set built without --quiet


def test_monitor_evaluation_counts_the_quiet_samples_that_raise_a_label(tmp_path):
    import evaluate_monitor
    rng = np.random.default_rng(1)
    clips = [(f"w{i}", [LABELS[i % len(LABELS)]], tone(rng.uniform(0.3, 1.0), 300 + 30 * i)) for i in range(40)]
    write_source(tmp_path / "real", clips)
    dataset.build([str(tmp_path / "real")], str(tmp_path / "set"), variants=1, mixtures=0.0, workers=1, quiet=1.0)
    stats = json.load(open(tmp_path / "set" / "stats.json"))
    test = train.FbankSet(str(tmp_path / "set" / "test.pt"), stats["mean"], stats["std"], 3072)
    quiet = [i for i, info in enumerate(test.info) if info.get("quiet")]
    s = torch.zeros(len(test), len(LABELS))
    s[quiet[0], LABELS.index("alarm")] = 0.9                             # one faint hiss heard as alarm
    s[quiet[-1], LABELS.index("noise")] = 0.3                            # and one noise below its threshold
    thresholds = {lab: 0.5 for lab in LABELS}
    got = evaluate_monitor.quiet_false_alarms(s, test, thresholds)
    assert got == {"samples": len(quiet), "with_a_label": 1, "per_label": {"alarm": 1}}
    val = train.FbankSet(str(tmp_path / "set" / "val.pt"), stats["mean"], stats["std"], 3072)
    model = ElasticAST(ElasticASTConfig(d_model=32, depth=1, heads=2)).eval()
    res = evaluate_monitor.evaluate_set(model, val, test)
    assert res["quiet"]["samples"] == len(quiet) and 0 <= res["quiet"]["with_a_label"] <= len(quiet)
    assert f"of {len(quiet)} raise a label" in evaluate_monitor.markdown(res)


def test_heldout_synthesizers_never_reach_train_val_or_test(tmp_path):
    rng = np.random.default_rng(4)
    root = tmp_path / "synth"
    os.makedirs(root / "wav")
    descs = ["espeak-ng -v 'de+klatt3' -s 150 -p 50", "espeak-ng -v 'fr-fr+m3' -s 150 -p 50",
             "melody Piano:1 tempo=90 sf=sf_GMbank.sf2", "melody Piano:1 tempo=90 sf=FluidR3_GM.sf2",
             "espeak-ng -v 'en+klatt' -s 120 -p 40 | + siren-wail at -3.0dB: wail"]
    with open(root / "clips.jsonl", "w") as f:
        for k in range(40):
            cid, desc = f"s{k}", descs[k % len(descs)]
            labels = ["speech", "siren"] if "siren" in desc else ["music"] if "sf=" in desc else ["speech"]
            soundfile.write(root / "wav" / f"{cid}.wav", tone(rng.uniform(0.3, 1.0), 300 + 20 * k), data.SR,
                            subtype="PCM_16")
            f.write(json.dumps({"id": cid, "source": "synth:x", "path": desc, "license": "generated",
                                "labels": labels, "duration": 1.0, "group": cid, "file": f"wav/{cid}.wav"}) + "\n")
    summary = dataset.build([str(root)], str(tmp_path / "set"), variants=1, mixtures=0.3, workers=1)
    held = [descs[k % len(descs)] for k in range(40) if k % len(descs) in (0, 2, 4)]
    assert summary["heldout"]["clips"] == summary["heldout"]["samples"] == len(held)
    stored = torch.load(tmp_path / "set" / "heldout.pt")
    assert all(i["ids"][0] in {f"s{k}" for k in range(40) if k % len(descs) in (0, 2, 4)} for i in stored["info"])
    for split, _ in dataset.SPLIT_FRACTIONS:
        for info in torch.load(tmp_path / "set" / f"{split}.pt")["info"]:
            assert all(int(cid[1:]) % len(descs) in (1, 3) for cid in info["ids"])
