"""import_checkpoint.py on a state_dict with the authors' exact key names and shapes (random values, d=128, depth 2,
527 classes): the written ONNX graph (run by tests/onnx_numpy.py) equals our PyTorch model rebuilt from model.json,
which equals an independent per-window re-statement of their forward (no attention scale, no pool residual)."""
import json
import math
import re
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import data
import import_checkpoint as ic
import onnx_numpy
from elasticast import ElasticAST, ElasticASTConfig, flatten_rows, pack_rows, patchify
from test_export_onnx import check_contract

import onnx

D, DEPTH, HEADS, CLASSES, TIME_POS = 128, 2, 2, 527, 64


def their_state_dict(d=D, depth=DEPTH, classes=CLASSES, seed=0, prefix="module."):
    """Random tensors under their names/shapes (src/models/elasticast.py, channels=1, saved from nn.DataParallel).
    Weights ~ 1/sqrt(fan_in) so that unscaled attention is sharp and every switch shows in the logits."""
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for k, shape in ic.expected_shapes(d, depth, 8, TIME_POS, classes).items():
        if k.endswith("weight") and len(shape) == 2:
            v = torch.randn(*shape, generator=g) / math.sqrt(shape[1])
        elif "norm" in k and k.endswith("weight"):
            v = 1 + 0.1 * torch.randn(*shape, generator=g)
        elif k.startswith("pos_embed") or k == "attn_pool_queries":
            v = torch.randn(*shape, generator=g)  # their init: torch.randn
        else:
            v = 0.1 * torch.randn(*shape, generator=g)
        sd[prefix + k] = v
    return sd


def write_labels(path, n=CLASSES):
    with open(path, "w") as f:
        f.write("index,mid,display_name\n")
        for i in range(n):
            f.write(f'{i},/m/{i:05x},"Label {i}, part"\n')


def their_forward(sd, fbank_windows, heads=HEADS):
    """Their forward, one window at a time (so no masks), restated from their code: sample [1, F, T] ->
    'c (h p1) (w p2) -> (h w) (c p1 p2)', + pos_embed_freq[h] + pos_embed_time[w], blocks without a 1/sqrt(dh),
    norm, attention pool of attn_pool_queries (no residual), mlp_norm, head."""
    sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}
    d = sd["patch_embed.0.weight"].shape[0]

    def lin(x, name):
        return F.linear(x, sd[name + ".weight"], sd[name + ".bias"])

    def ln(x, name):
        return F.layer_norm(x, (d,), sd[name + ".weight"], sd[name + ".bias"], 1e-6)

    def attention(x, ctx, name):
        q, k, v = lin(x, name + ".to_q"), *lin(ctx, name + ".to_kv").chunk(2, dim=-1)
        q, k, v = (t.reshape(t.shape[0], heads, -1).transpose(0, 1) for t in (q, k, v))
        out = torch.softmax(q @ k.transpose(-1, -2), -1) @ v
        return lin(out.transpose(0, 1).reshape(x.shape[0], d), name + ".proj")

    outs = []
    for fb in fbank_windows:
        sample = fb[: fb.shape[0] // 16 * 16].T.unsqueeze(0)                      # [1, F, T]
        c, fh, tw = sample.shape
        h, w = fh // 16, tw // 16
        seq = sample.reshape(c, h, 16, w, 16).permute(1, 3, 0, 2, 4).reshape(h * w, c * 256)
        hi, wi = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        x = lin(seq, "patch_embed.0") + sd["pos_embed_freq"][hi.reshape(-1)] + sd["pos_embed_time"][wi.reshape(-1)]
        for i in range(len({k.split(".")[2] for k in sd if k.startswith("blocks.")})):
            b = f"blocks.modules_list.{i}"
            y = ln(x, b + ".norm1")
            x = x + attention(y, y, b + ".attn")
            x = x + lin(F.gelu(lin(ln(x, b + ".norm2"), b + ".mlp.fc1")), b + ".mlp.fc2")
        x = ln(x, "norm")
        pooled = attention(sd["attn_pool_queries"].unsqueeze(0), x, "attn_pool")
        outs.append(lin(ln(pooled, "mlp_norm"), "head")[0])
    return torch.stack(outs)


def windows(mean, std):
    """Normalised fbank windows of three lengths (1 s, 2.5 s, 10.255 s = 1024 frames at 10 ms: the whole time table)
    at two frame shifts (10, 40 ms), as served."""
    rng = np.random.default_rng(7)
    out = []
    for n in (16000, 40000, 400 + 160 * 1023):
        t = np.arange(n) / data.SR
        wave = 0.1 * rng.standard_normal(n) + 0.3 * np.sin(2 * np.pi * (300 + 200 * t) * t)
        wave = torch.from_numpy(wave.astype(np.float32))
        for shift in (10, 40):
            out.append(data.normalise(data.fbank(wave, shift), mean, std))
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    d = tmp_path_factory.mktemp("imported")
    sd = their_state_dict()
    torch.save(sd, d / "audio_model.pth")
    write_labels(d / "labels.csv")
    out = d / "model"
    rc = ic.main([str(d / "audio_model.pth"), "--labels", str(d / "labels.csv"), "--out", str(out),
                  "--heads", str(HEADS), "--frame-shifts", "10,20,30,40"])
    assert rc == 0
    return sd, out, json.load(open(out / "model.json"))


def test_model_json_carries_the_switches_and_the_recipe(imported):
    _, out, meta = imported
    check_contract(onnx.load(str(out / meta["onnx_file"])), meta)
    assert meta["sha256"] == ic.export_onnx.sha256(str(out / meta["onnx_file"]))
    assert meta["attention_scale"] == 1.0 and meta["pool_residual"] is False
    assert meta["output_activation"] == "sigmoid" and meta["normalisation"] == "(x - mean) / (2 * std)"
    assert (meta["mean"], meta["std"]) == ic.DATASETS["audioset"]
    assert meta["labels"][:2] == ["Label 0, part", "Label 1, part"] and len(meta["labels"]) == CLASSES
    assert meta["label_ids"][1] == "/m/00001" and meta["frame_shifts_ms"] == [10, 20, 30, 40]
    assert (meta["d_model"], meta["depth"], meta["heads"], meta["max_time_positions"]) == (D, DEPTH, HEADS, TIME_POS)
    assert meta["patch_size"] == 16 and meta["num_mel_bins"] == 128 and meta["max_row_tokens"] == 2048


def test_onnx_equals_our_pytorch_equals_their_forward(imported):
    sd, out, meta = imported
    model = ElasticAST(ElasticASTConfig.from_model_json(meta)).eval()
    model.load_state_dict(ic.convert_state_dict(sd))
    fbanks = windows(meta["mean"], meta["std"])
    samples = [patchify(fb) for fb in fbanks]
    assert sorted({s[0].shape[0] for s in samples}) == [8, 24, 48, 120, 128, 512]  # tokens: 6 windows
    flat = flatten_rows(*pack_rows(samples, 512))  # rows hold one to four windows, with padding slots
    with torch.no_grad():
        ours = model.forward_flat(*flat)
        theirs = their_forward(sd, fbanks)
    feeds = {n: t.numpy() for n, t in zip(ic.export_onnx.INPUT_NAMES, flat)}
    graph = onnx_numpy.run(str(out / meta["onnx_file"]), feeds)["logits"]
    print(f"max |onnx - ours| {np.abs(graph - ours.numpy()).max():.2e}, max |ours - theirs| "
          f"{(ours - theirs).abs().max():.2e}, logits std {ours.std():.2f}")
    assert graph.shape == (len(fbanks), CLASSES)
    assert np.abs(graph - ours.numpy()).max() <= 1e-4
    assert (ours - theirs).abs().max() <= 1e-4
    # the switches matter at these magnitudes: today's defaults give other logits
    default = ElasticAST(ElasticASTConfig.from_model_json({**meta, "attention_scale": None, "pool_residual": True}))
    default.load_state_dict(ic.convert_state_dict(sd))
    with torch.no_grad():
        assert (default.eval().forward_flat(*flat) - ours).abs().max() > 0.1


def test_written_parity_fixture_matches_the_written_graph(imported):
    _, out, meta = imported
    fx = json.load(open(out / "fixtures" / f"{meta['model_id']}-parity.json"))
    feeds = {k: np.array(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for k, v in fx["inputs"].items()}
    expected = np.array(fx["outputs"]["logits"]["data"]).reshape(fx["outputs"]["logits"]["shape"])
    assert expected.shape[1] == CLASSES
    assert np.abs(onnx_numpy.run(str(out / fx["onnx_file"]), feeds)["logits"] - expected).max() <= 1e-4


def test_a_state_dict_that_is_not_theirs_is_refused_by_key(tmp_path, capsys):
    sd = their_state_dict(d=32, depth=2, classes=5, prefix="")
    labels = tmp_path / "labels.txt"
    labels.write_text("".join(f"l{i}\n" for i in range(5)))
    cases = {
        "missing keys: blocks.modules_list.1.attn.to_kv.bias":
            {k: v for k, v in sd.items() if k != "blocks.modules_list.1.attn.to_kv.bias"},
        "unexpected keys: blocks.modules_list.0.attn.q_norm.gamma":
            {**sd, "blocks.modules_list.0.attn.q_norm.gamma": torch.ones(2, 1, 16)},
        "attn_pool.to_kv.weight: (32, 32), expected (64, 32)": {**sd, "attn_pool.to_kv.weight": torch.zeros(32, 32)},
        "expected [d, 256]": {**sd, "patch_embed.0.weight": torch.zeros(32, 768)},
    }
    for message, bad in cases.items():
        with pytest.raises(ic.CheckpointError, match=re.escape(message)):
            ic.build_model(bad, heads=2)
    with pytest.raises(ic.CheckpointError, match="not divisible by --heads 5"):
        ic.build_model(sd, heads=5)
    torch.save({"model": sd}, tmp_path / "wrapped.pth")  # a wrapper dict is unwrapped, the labels count checked
    six = tmp_path / "six.txt"
    six.write_text("".join(f"l{i}\n" for i in range(6)))
    assert ic.main([str(tmp_path / "wrapped.pth"), "--labels", str(six), "--out", str(tmp_path / "o"),
                    "--heads", "2"]) == 2
    assert "has 6 labels, the checkpoint's head 5" in capsys.readouterr().err
    assert len(ic.load_state_dict(str(tmp_path / "wrapped.pth"))) == len(sd)


@pytest.mark.parametrize("name", ["tiny-random", "small"])
def test_numpy_runner_reproduces_the_committed_fixtures(name):
    """The runner these tests trust agrees with the committed PyTorch fixtures, which Java ONNX Runtime matches."""
    art = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "artifacts")
    fx = json.load(open(os.path.join(art, "fixtures", f"elasticast-{name}-parity.json")))
    feeds = {k: np.array(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for k, v in fx["inputs"].items()}
    expected = np.array(fx["outputs"]["logits"]["data"]).reshape(fx["outputs"]["logits"]["shape"])
    assert np.abs(onnx_numpy.run(os.path.join(art, fx["onnx_file"]), feeds)["logits"] - expected).max() <= 1e-5
