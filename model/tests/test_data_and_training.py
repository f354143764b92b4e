"""Data recipe, features and a 3-step training smoke run."""
import os
from dataclasses import replace

import numpy as np
import pytest
import torch

import data
import train
from data import LABELS
from elasticast import PATCH


def test_fbank_follows_contract_shape():
    wave = torch.from_numpy(np.random.default_rng(0).uniform(-0.5, 0.5, 16000).astype(np.float32))
    for shift in (10, 25, 40):
        fb = data.fbank(wave, shift)
        # kaldi snip_edges: 1 + (samples - 400) // hop frames
        assert fb.shape == (1 + (16000 - 400) // (16 * shift), 128)
        assert torch.isfinite(fb).all()


def test_clips_are_seeded_labelled_and_of_natural_length():
    indices = [0, 1, 3, 7, 13]  # speech, siren, piano, drums, piano (MIDI ones share a fluidsynth call)
    a = data.make_batch(data.SPLIT_SEEDS["test"], indices)
    b = data.make_batch(data.SPLIT_SEEDS["test"], indices)
    other = data.make_batch(data.SPLIT_SEEDS["val"], indices)
    for (i, w, y), (_, w2, _), (_, w3, _) in zip(a, b, other):
        assert y == i % len(LABELS)
        assert w.dtype == np.int16 and data.MIN_SECONDS * data.SR <= len(w) <= data.MAX_SECONDS * data.SR
        assert np.array_equal(w, w2)          # same seed, same clip
        assert not np.array_equal(w[:1000], w3[:1000])  # another split's seed, another clip
        assert np.abs(w).max() > 100           # not silent
    assert len({len(w) for _, w, _ in a}) == len(indices)  # lengths vary


def test_fixed_shape_tokens_pad_and_crop():
    mean, std = -5.0, 4.0
    short, long = torch.zeros(8000) + 0.01, torch.zeros(16000 * 12) + 0.01
    for wave in (short, long):
        p, f, t = train.clip_tokens(wave, 10, mean, std, 3072, fixed=train.fixed_frames(10, 10))
        assert p.shape == (62 * 8, 256) and int(t.max()) == 61
    p, _, _ = train.clip_tokens(short, 40, mean, std, 3072)  # 0.5 s at 40 ms = 11 frames -> one padded patch row
    assert p.shape == (8, PATCH * PATCH)


def test_three_step_training_smoke_run():
    rng = np.random.default_rng(0)
    waves = [torch.from_numpy((0.05 * rng.standard_normal(int(rng.uniform(0.5, 3) * 16000))).astype(np.float32))
             for _ in range(24)]
    labels = torch.arange(24) % 10
    cfg = replace(train.RUNS["elastic"], d_model=32, depth=1, heads=2, step_tokens=256, warmup_steps=2, epochs=1)
    stats = {"mean": -8.0, "std": 4.0, "recipe": "test"}
    torch.manual_seed(cfg.seed)
    before = train.ElasticAST(train.ElasticASTConfig(d_model=32, depth=1, heads=2)).state_dict()
    model, history = train.train(cfg, (waves, labels), (waves[:6], labels[:6]), stats, max_steps=3, log=lambda _: None)
    assert history[-1]["step"] == 3
    assert np.isfinite(history[-1]["train_loss"]) and 0.0 <= history[-1]["val_acc"] <= 1.0
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, before[k])]
    assert "patch_embed.weight" in changed and "head.weight" in changed


def test_exported_features_round_trip_and_give_every_shift_of_ten(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    waves = [torch.from_numpy((0.1 * rng.standard_normal(int(rng.uniform(0.6, 2.5) * 16000))).astype(np.float32))
             for _ in range(5)]
    labels = torch.tensor([3, 1, 4, 1, 5])
    monkeypatch.setattr(data, "load_split", lambda name: (waves, labels))
    mean, std = -5.0, 4.0
    paths = [str(tmp_path / f"f.{k}.xz") for k in range(2)]
    for k, path in enumerate(paths):
        data.export_features(path, ("train",), mean, std, k, 2)
    fbanks, got_labels, m, s = data.load_features(paths, "train")
    assert (m, s) == (mean, std) and torch.equal(got_labels, labels)
    feats = train.PrecomputedFeatures(fbanks, m, s, 3072)
    for i, w in enumerate(waves):
        for shift in (10, 20, 30, 40):  # kaldi fbank at 20-40 ms = every 2nd-4th 10 ms frame
            exact = data.normalise(data.fbank(w, shift), mean, std)
            assert feats.get(i, shift).shape == exact.shape
            assert float((feats.get(i, shift) - exact).abs().max()) <= data.FEATURE_STEP / 2 + 1e-5


def test_training_from_precomputed_features_with_augmentation():
    rng = np.random.default_rng(2)
    fbanks = [torch.from_numpy(rng.standard_normal((int(rng.integers(60, 300)), 128)).astype(np.float32) * 0.3)
              for _ in range(20)]
    labels = torch.arange(20) % 10
    feats = train.PrecomputedFeatures(fbanks, -5.0, 4.0, 3072)
    cfg = replace(train.RUNS["elastic"], d_model=32, depth=1, heads=2, step_tokens=256, warmup_steps=2, epochs=2,
                  frame_shifts_ms=(10, 20, 30, 40), crop_prob=0.5, spec_augment=True)
    model, history = train.train(cfg, (feats, labels), (train.PrecomputedFeatures(fbanks[:4], -5.0, 4.0, 3072),
                                 labels[:4]), {"mean": -5.0, "std": 4.0}, log=lambda _: None, time_budget_s=1e9)
    assert [h["epoch"] for h in history] == [1, 2]
    assert np.isfinite(history[-1]["train_loss"]) and 0.0 <= history[-1]["val_acc"] <= 1.0


def test_shift_weights_set_how_often_each_frame_shift_is_drawn():
    cfg = replace(train.RUNS["monitor"], frame_shifts_ms=(10, 20, 30, 40), shift_weights=(1.0, 1.0, 2.0, 4.0))
    rng = np.random.default_rng(0)
    draws = [train.draw_shift(cfg, rng) for _ in range(8000)]
    share = {s: draws.count(s) / len(draws) for s in (10, 20, 30, 40)}
    assert abs(share[40] - 0.5) < 0.03 and abs(share[30] - 0.25) < 0.03 and abs(share[10] - 0.125) < 0.03
    uniform = replace(cfg, shift_weights=())
    assert set(train.draw_shift(uniform, rng) for _ in range(200)) == {10, 20, 30, 40}
    with pytest.raises(ValueError):
        train.draw_shift(replace(cfg, shift_weights=(1.0, 2.0)), rng)


def test_training_paused_and_resumed_ends_where_one_run_ends(tmp_path):
    rng = np.random.default_rng(5)
    fbanks = [torch.from_numpy(rng.standard_normal((int(rng.integers(40, 200)), 128)).astype(np.float32) * 0.3)
              for _ in range(16)]
    labels = torch.zeros(16, 10)
    labels[torch.arange(16), torch.arange(16) % 10] = 1
    feats = train.PrecomputedFeatures(fbanks, -5.0, 4.0, 3072)
    val = (train.PrecomputedFeatures(fbanks[:4], -5.0, 4.0, 3072), labels[:4])
    cfg = replace(train.RUNS["monitor"], d_model=32, depth=1, heads=2, step_tokens=256, warmup_steps=2, epochs=3)
    stats = {"mean": -5.0, "std": 4.0}
    os.makedirs(tmp_path / "a")
    os.makedirs(tmp_path / "b")
    whole, hist = train.train(cfg, (feats, labels), val, stats, out_dir=str(tmp_path / "a"), log=lambda _: None)
    lines = []
    _, first = train.train(cfg, (feats, labels), val, stats, out_dir=str(tmp_path / "b"), log=lines.append,
                           hold_s=0.0)
    assert [h["epoch"] for h in first] == [1] and "paused_after_epoch" in lines[-1]
    resumed, rest = train.train(cfg, (feats, labels), val, stats, out_dir=str(tmp_path / "b"), log=lambda _: None,
                                resume=str(tmp_path / "b" / "ckpt.pt"))
    assert [h["epoch"] for h in rest] == [1, 2, 3]
    for (name, a), (_, b) in zip(whole.state_dict().items(), resumed.state_dict().items()):
        assert torch.allclose(a, b, atol=1e-6), name
    assert rest[-1]["train_loss"] == pytest.approx(hist[-1]["train_loss"], abs=1e-6)


def test_a_shallower_model_deepened_computes_the_same_function_and_its_new_blocks_learn():
    from export_onnx import serving_example
    torch.manual_seed(0)
    small = train.ElasticAST(train.ElasticASTConfig(d_model=32, depth=2, heads=2)).eval()
    big = train.ElasticAST(train.ElasticASTConfig(d_model=32, depth=5, heads=2)).eval()
    grown = train.deepen(small.state_dict(), big.state_dict())
    assert sorted({int(k.split(".")[1]) for k in grown if k.startswith("blocks.")}) == [0, 1, 2, 3, 4]
    assert torch.equal(grown["blocks.2.qkv.weight"], small.state_dict()["blocks.1.qkv.weight"])  # 1 -> 1 * 5 // 2
    big.load_state_dict(grown)
    inputs = serving_example([48, 100, 20, 64], max_row_tokens=64)
    with torch.no_grad():
        assert torch.allclose(small.forward_flat(*inputs), big.forward_flat(*inputs), atol=1e-6)
    # a new block is an identity only at the start: its zero output projections get gradients
    big.train()
    big.forward_flat(*inputs).square().sum().backward()
    assert big.blocks[1].proj.weight.grad.abs().sum() > 0 and big.blocks[1].mlp[2].weight.grad.abs().sum() > 0
    assert train.deepen(grown, big.state_dict()) is grown
    with pytest.raises(ValueError, match="cannot start a 2-block model from 5 blocks"):
        train.deepen(grown, small.state_dict())
