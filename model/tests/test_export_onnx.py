"""The exported serving graph: valid ONNX, dynamic dims, signature as model.json says, committed fixtures agree."""
import glob
import hashlib
import json
import os

import onnx
import pytest
import torch

import export_onnx
from elasticast import LABELS, ElasticAST, ElasticASTConfig

ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "artifacts")
ONNX_TYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64"}


def signature(model_proto):
    def io(values):
        return [(v.name, ONNX_TYPES[v.type.tensor_type.elem_type],
                 [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]) for v in values]
    return io(model_proto.graph.input), io(model_proto.graph.output)


def check_contract(model_proto, meta):
    onnx.checker.check_model(model_proto)
    inputs, outputs = signature(model_proto)
    assert [n for n, _, _ in inputs] == meta["inputs"] == ["patches", "freq_pos", "time_pos", "sample_ids", "rows"]
    assert [n for n, _, _ in outputs] == meta["outputs"] == ["logits"]
    shapes = {n: (t, s) for n, t, s in inputs + outputs}
    assert shapes["patches"] == ("float32", ["tokens", 256])
    for name in ("freq_pos", "time_pos", "sample_ids"):
        assert shapes[name] == ("int64", ["tokens"])
    assert shapes["rows"][0] == "int64" and all(isinstance(d, str) for d in shapes["rows"][1])  # both dims dynamic
    assert shapes["logits"][0] == "float32" and isinstance(shapes["logits"][1][0], str)
    assert model_proto.opset_import[0].version == 17


def test_fresh_export_is_valid_and_matches_its_metadata(tmp_path):
    torch.manual_seed(0)
    cfg = ElasticASTConfig(d_model=32, depth=1, heads=2)
    path = str(tmp_path / "m.onnx")
    export_onnx.export(ElasticAST(cfg), path)
    meta = export_onnx.model_json(cfg, "m.onnx", export_onnx.sha256(path), "t", -4.0, 4.0, [10, 20], "test")
    check_contract(onnx.load(path), meta)
    assert meta["labels"] == LABELS and meta["max_time_positions"] == cfg.max_time_positions


@pytest.mark.parametrize("meta_path", sorted(glob.glob(os.path.join(ARTIFACTS, "model*.json"))))
def test_committed_artifacts_match_their_metadata(meta_path):
    meta = json.load(open(meta_path))
    onnx_path = os.path.join(ARTIFACTS, meta["onnx_file"])
    with open(onnx_path, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == meta["sha256"]
    assert os.path.getsize(onnx_path) < 20e6
    check_contract(onnx.load(onnx_path), meta)
    assert meta["labels"] == LABELS
    assert meta["patch_size"] == 16 and meta["num_mel_bins"] == 128
    assert meta["output_activation"] in ("softmax", "sigmoid")
    thresholds = meta.get("thresholds", {})
    assert set(thresholds) <= set(LABELS) and all(0 < t < 1 for t in thresholds.values())
    if meta["model_id"] == "elasticast-small":  # the shipped monitoring model: multi-label, thresholds from val
        assert meta["output_activation"] == "sigmoid" and set(thresholds) == set(LABELS)
    assert meta["std"] > 0 and set(meta["frame_shifts_ms"]) <= set(range(10, 41, 5))


def test_committed_fixtures_are_consistent():
    fixtures = sorted(glob.glob(os.path.join(ARTIFACTS, "fixtures", "*-parity.json")))
    assert fixtures, "no parity fixture committed"
    for path in fixtures:
        fx = json.load(open(path))
        ins = fx["inputs"]
        T = ins["patches"]["shape"][0]
        rows = torch.tensor(ins["rows"]["data"]).reshape(ins["rows"]["shape"])
        real = rows[rows < T]
        assert sorted(real.tolist()) == list(range(T))  # every token sits in exactly one row slot
        ids = ins["sample_ids"]["data"]
        assert ids == sorted(ids) and fx["outputs"]["logits"]["shape"] == [ids[-1] + 1, len(LABELS)]


def test_tiny_random_fixture_matches_the_current_model_code():
    """The committed tiny-random graph comes from seed 0; if the model code changes, its fixture (and the graph
    the Java parity test runs) must be regenerated with export_onnx.py --random-init."""
    fx = json.load(open(os.path.join(ARTIFACTS, "fixtures", "elasticast-tiny-random-parity.json")))
    torch.manual_seed(0)
    model = ElasticAST(ElasticASTConfig(**export_onnx.TINY)).eval()
    args, expected = export_onnx.fixture_tensors(fx)
    with torch.no_grad():
        logits = model.forward_flat(*args)
    assert (logits - expected).abs().max() <= 1e-5


def test_export_fuses_each_residual_add_into_the_norm_after_it(tmp_path):
    """Numbers are checked where ONNX Runtime runs (Java parity tests against the committed fixtures); here the
    structure: every block's two norms and the final norm take the residual add, the head norm (whose add
    broadcasts a learned query) stays a plain LayerNormalization, and the sums still feed the residual stream."""
    cfg = ElasticASTConfig(d_model=32, depth=2, heads=2)
    path = str(tmp_path / "m.onnx")
    export_onnx.export(ElasticAST(cfg), path)
    graph = onnx.load(path).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("SkipLayerNormalization") == 2 * cfg.depth + 1 and ops.count("LayerNormalization") == 1
    skips = [n for n in graph.node if n.op_type == "SkipLayerNormalization"]
    assert all(n.domain == "com.microsoft" and n.output[1] == n.output[2] == "" for n in skips)
    consumed = {i for n in graph.node for i in n.input}
    sums = [n.output[3] for n in skips if n.output[3]]
    assert len(sums) == 2 * cfg.depth and all(s in consumed for s in sums)  # the final norm's sum is not kept


def test_export_moves_tokens_into_rows_once_and_attends_with_the_fused_kernel(tmp_path):
    """Each block is ORT's com.microsoft.Attention on the row slots (qkv projection and every head in one kernel);
    the gathers (embedding tables, the one move into rows, the pool's ids, shapes) do not grow with depth."""
    cfg = ElasticASTConfig(d_model=32, depth=3, heads=2)
    path = str(tmp_path / "m.onnx")
    export_onnx.export(ElasticAST(cfg), path)
    graph = onnx.load(path).graph
    shallow = str(tmp_path / "one-block.onnx")
    export_onnx.export(ElasticAST(ElasticASTConfig(d_model=32, depth=1, heads=2)), shallow)
    attention = [n for n in graph.node if n.op_type == "Attention"]
    assert len(attention) == cfg.depth and all(n.domain == "com.microsoft" for n in attention)
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in attention[0].attribute}
    assert attrs["num_heads"] == cfg.heads and abs(attrs["scale"] - cfg.scale) < 1e-7
    def gathers(g):
        return sum(n.op_type in ("Gather", "GatherElements", "GatherND") for n in g.node)
    assert gathers(graph) == gathers(onnx.load(shallow).graph)


def test_the_graph_computes_forward_flat_on_padded_and_shared_rows(tmp_path):
    """The exported file, run by the numpy interpreter, against PyTorch's forward_flat on rows holding several
    windows and padding slots: the row layout changes where tokens sit, not what they compute."""
    import numpy as np
    import onnx_numpy
    torch.manual_seed(4)
    model = ElasticAST(ElasticASTConfig(d_model=32, depth=2, heads=4, attention_scale=1.0)).eval()
    path = str(tmp_path / "m.onnx")
    export_onnx.export(model, path)
    inputs = export_onnx.serving_example([16, 40, 100, 33, 160, 17, 48, 48], 160, seed=9)
    assert (inputs[4] == inputs[0].shape[0]).any() and inputs[4].shape[0] < 8  # padding slots, shared rows
    with torch.no_grad():
        expected = model.forward_flat(*inputs).numpy()
    got = onnx_numpy.run(path, {n: t.numpy() for n, t in zip(export_onnx.INPUT_NAMES, inputs)})["logits"]
    assert np.abs(got - expected).max() <= 1e-5


def test_weights_read_back_from_an_export_rebuild_the_same_model(tmp_path):
    """--from-onnx: a graph's initializers (the transposed ones too) give back the exported model exactly."""
    torch.manual_seed(5)
    cfg = ElasticASTConfig(d_model=32, depth=2, heads=2)
    model = ElasticAST(cfg).eval()
    path = str(tmp_path / "m.onnx")
    export_onnx.export(model, path)
    back = export_onnx.weights_from_onnx(ElasticAST(cfg).eval(), path)
    for key, value in model.state_dict().items():
        assert torch.equal(value, back.state_dict()[key]), key
