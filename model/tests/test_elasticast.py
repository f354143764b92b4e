"""Packing, masks and the two forward layouts of ElasticAST."""
import pytest
import torch

from elasticast import ElasticAST, ElasticASTConfig, flatten_rows, pack_rows, patchify

FRAMES = [16, 40, 100, 33, 160, 17, 64]  # 1..10 time patches, some with frames cut off


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return ElasticAST(ElasticASTConfig(d_model=32, depth=2, heads=2)).eval()


def windows(frames, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [patchify(torch.randn(n, 128, generator=g)) for n in frames]


def test_patchify_follows_contract_order():
    fbank = torch.arange(40 * 128, dtype=torch.float32).reshape(40, 128)
    patches, freq_pos, time_pos = patchify(fbank)
    assert patches.shape == (2 * 8, 256)  # 40 frames -> 2 time patches, 8 left over are cut
    for i in range(patches.shape[0]):
        tp, fp = int(time_pos[i]), int(freq_pos[i])
        for df in (0, 5, 15):
            for dt in (0, 7, 15):
                assert patches[i, df * 16 + dt] == fbank[tp * 16 + dt, fp * 16 + df]
    assert time_pos.tolist() == [0] * 8 + [1] * 8
    assert freq_pos.tolist() == list(range(8)) * 2


def test_packing_puts_every_token_once_and_respects_budget():
    samples = windows(FRAMES)
    patches, freq_pos, time_pos, ids = pack_rows(samples, 96)
    assert ids.shape[1] <= 96
    for i, (p, _, _) in enumerate(samples):
        assert int((ids == i).sum()) == p.shape[0]
        assert torch.equal(patches[ids == i], p)
    with pytest.raises(AssertionError, match="tokens"):
        pack_rows(windows([16 * 13]), 96)  # 104 tokens do not fit a row of 96


def test_packed_forward_equals_each_sample_alone(model):
    samples = windows(FRAMES)
    with torch.no_grad():
        packed = model.forward_rows(*pack_rows(samples, 96), len(samples))
        alone = torch.cat([model.forward_rows(*pack_rows([s], 96), 1) for s in samples])
    assert packed.shape == (len(samples), 10)
    assert (packed - alone).abs().max() <= 1e-5


def test_masks_isolate_samples(model):
    samples = windows(FRAMES)
    perturbed = list(samples)
    p, f, t = perturbed[2]
    perturbed[2] = (p + 5 * torch.randn_like(p), f, t)
    with torch.no_grad():
        before = model.forward_rows(*pack_rows(samples, 96), len(samples))
        after = model.forward_rows(*pack_rows(perturbed, 96), len(samples))
    others = [i for i in range(len(samples)) if i != 2]
    assert (before[others] - after[others]).abs().max() <= 1e-5
    assert (before[2] - after[2]).abs().max() > 1e-3  # the perturbation does reach its own sample


def test_padding_has_no_effect(model):
    samples = windows(FRAMES[:3])
    patches, freq_pos, time_pos, ids = pack_rows(samples, 200)
    pad = 37
    noisy = torch.cat([patches, 100 * torch.randn(patches.shape[0], pad, 256)], dim=1)
    fpos = torch.cat([freq_pos, torch.randint(0, 8, (freq_pos.shape[0], pad))], dim=1)
    tpos = torch.cat([time_pos, torch.randint(0, 50, (time_pos.shape[0], pad))], dim=1)
    pids = torch.cat([ids, torch.full((ids.shape[0], pad), -1)], dim=1)
    with torch.no_grad():
        clean = model.forward_rows(patches, freq_pos, time_pos, ids, 3)
        padded = model.forward_rows(noisy, fpos, tpos, pids, 3)
    assert (clean - padded).abs().max() <= 1e-5


def test_flat_token_layout_equals_row_layout(model):
    samples = windows(FRAMES, seed=3)
    rows_layout = pack_rows(samples, 96)
    flat = flatten_rows(*rows_layout)
    patches, _, _, sample_ids, rows = flat
    assert rows.shape[0] > 1 and int((rows == patches.shape[0]).sum()) > 0  # several rows, padding slots
    with torch.no_grad():
        by_rows = model.forward_rows(*rows_layout, len(samples))
        by_flat = model.forward_flat(*flat)
    assert by_flat.shape == (len(samples), 10)
    assert (by_rows - by_flat).abs().max() <= 1e-5


def test_token_dropout_only_in_training():
    torch.manual_seed(0)
    m = ElasticAST(ElasticASTConfig(d_model=32, depth=1, heads=2, token_dropout=0.5))
    batch = pack_rows(windows(FRAMES), 200)
    m.train()
    a, b = m.forward_rows(*batch, len(FRAMES)), m.forward_rows(*batch, len(FRAMES))
    assert torch.isfinite(a).all() and (a - b).abs().max() > 1e-4
    m.eval()
    with torch.no_grad():
        assert torch.equal(m.forward_rows(*batch, len(FRAMES)), m.forward_rows(*batch, len(FRAMES)))
