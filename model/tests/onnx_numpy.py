"""A small numpy interpreter for the ONNX graphs export_onnx.py writes, so Python tests can run the .onnx file itself.

Debian ships no onnxruntime for Python (and onnx 1.12 has no onnx.reference), so ONNX Runtime runs only on the Java
side (inference-operator's parity tests). This runs the exported graph node by node in float32 with numpy: only the
operators our serving graph uses, each as the ONNX spec (opset 17) and ORT's com.microsoft.SkipLayerNormalization
and com.microsoft.Attention define them; any other operator is an error, never a silent guess.
"""
import numpy as np
import onnx
from onnx import numpy_helper
from scipy.special import erf

_TYPES = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.INT64: np.int64, onnx.TensorProto.INT32: np.int32,
          onnx.TensorProto.BOOL: np.bool_, onnx.TensorProto.DOUBLE: np.float64}


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _layer_norm(x, gamma, beta, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    inv = 1.0 / np.sqrt(var + eps)
    return ((x - mean) * inv * gamma + beta).astype(np.float32), mean, inv


def _slice(x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else [int(a) % x.ndim for a in axes]
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        index[a] = slice(int(s), int(max(min(e, 2 ** 62), -2 ** 62)), int(st))
    return x[tuple(index)]


def _reshape(x, shape):
    shape = [x.shape[i] if d == 0 else int(d) for i, d in enumerate(shape)]
    return x.reshape(shape)


def _scatter_elements(data, indices, updates, axis):
    out = data.copy()
    np.put_along_axis(out, indices, updates, axis=axis)
    return out


def _cumsum(x, axis, exclusive=0, reverse=0):
    axis = int(np.asarray(axis).reshape(-1)[0])
    y = np.flip(x, axis) if reverse else x
    out = np.cumsum(y, axis=axis, dtype=x.dtype)
    if exclusive:
        out = out - y
    return np.flip(out, axis) if reverse else out


def _gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    y = alpha * ((a.T if transA else a) @ (b.T if transB else b))
    return (y + beta * c if c is not None else y).astype(np.float32)


def _attention(x, weight, bias, mask, heads, scale, mask_filter):
    """com.microsoft.Attention as ORT defines it, for the inputs our graph gives it: x (B, S, D_in), weight
    (D_in, 3D) with columns q|k|v, bias (3D,), mask (B, S, S) with 1 = attend (a raw 3-D mask); scale defaults to
    1/sqrt(head size)."""
    B, S, _ = x.shape
    D = weight.shape[1] // 3
    dh = D // heads
    qkv = (x @ weight + bias).reshape(B, S, 3, heads, dh).transpose(2, 0, 3, 1, 4)   # (3, B, H, S, dh)
    scores = (qkv[0] @ qkv[1].transpose(0, 1, 3, 2)) * (scale if scale is not None else 1 / np.sqrt(dh))
    if mask is not None:
        scores = scores + (1 - mask[:, None].astype(np.float32)) * mask_filter
    z = np.exp(scores - scores.max(-1, keepdims=True))
    out = (z / z.sum(-1, keepdims=True)) @ qkv[2]                                     # (B, H, S, dh)
    return out.transpose(0, 2, 1, 3).reshape(B, S, D).astype(np.float32)


def _op(node, x):
    """Outputs (a tuple) of one node given its inputs x (None for an empty optional input)."""
    a, op = _attrs(node), node.op_type
    if op == "Constant":
        return (numpy_helper.to_array(a["value"]),)
    if op == "Identity":
        return (x[0],)
    if op == "Gather":
        return (np.take(x[0], x[1], axis=a.get("axis", 0)),)
    if op in ("Add", "Sub", "Mul", "Div", "Equal", "GreaterOrEqual"):
        f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Equal": np.equal,
             "GreaterOrEqual": np.greater_equal}[op]
        out = f(x[0], x[1])
        if op == "Div" and np.issubdtype(x[0].dtype, np.integer):
            out = np.trunc(out)
        return (out.astype(x[0].dtype) if op not in ("Equal", "GreaterOrEqual") else out,)
    if op == "Not":
        return (np.logical_not(x[0]),)
    if op == "Erf":
        return (erf(x[0]).astype(x[0].dtype),)
    if op == "MatMul":
        return (np.matmul(x[0], x[1]).astype(np.float32),)
    if op == "Gemm":
        return (_gemm(x[0], x[1], x[2] if len(x) > 2 else None, **a),)
    if op == "Reshape":
        return (_reshape(x[0], x[1]),)
    if op == "Unsqueeze":
        out = x[0]
        for ax in sorted(int(v) % (x[0].ndim + len(x[1])) for v in x[1]):
            out = np.expand_dims(out, ax)
        return (out,)
    if op == "Split":  # opset 13+: sizes as an optional input, else equal parts (one per output)
        axis = a.get("axis", 0)
        sizes = x[1] if len(x) > 1 and x[1] is not None else [x[0].shape[axis] // len(node.output)] * len(node.output)
        return tuple(np.split(x[0], np.cumsum(sizes)[:-1], axis=axis))
    if op == "Squeeze":  # opset 13+: axes as an optional input
        axes = None if len(x) < 2 or x[1] is None else tuple(int(v) % x[0].ndim for v in x[1])
        return (np.squeeze(x[0], axis=axes),)
    if op == "Transpose":
        return (np.transpose(x[0], a.get("perm")),)
    if op == "Flatten":
        ax = a.get("axis", 1)
        return (x[0].reshape(int(np.prod(x[0].shape[:ax])), -1),)
    if op == "Shape":
        shape = np.array(x[0].shape, dtype=np.int64)
        return (shape[a.get("start", 0):a.get("end", None)],)
    if op == "ConstantOfShape":
        value = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return (np.full(tuple(int(d) for d in x[0]), value.reshape(-1)[0], dtype=value.dtype),)
    if op == "Slice":
        return (_slice(x[0], x[1], x[2], x[3] if len(x) > 3 else None, x[4] if len(x) > 4 else None),)
    if op == "Concat":
        return (np.concatenate(x, axis=a["axis"]),)
    if op == "Softmax":
        z = x[0] - x[0].max(axis=a.get("axis", -1), keepdims=True)
        e = np.exp(z)
        return ((e / e.sum(axis=a.get("axis", -1), keepdims=True)).astype(np.float32),)
    if op == "Cast":
        return (x[0].astype(_TYPES[a["to"]]),)
    if op == "ScatterElements":
        assert a.get("reduction", b"none") in (b"none", "none"), "ScatterElements reduction"
        return (_scatter_elements(x[0], x[1], x[2], a.get("axis", 0)),)
    if op == "Where":
        return (np.where(x[0], x[1], x[2]),)
    if op == "CumSum":
        return (_cumsum(x[0], x[1], a.get("exclusive", 0), a.get("reverse", 0)),)
    if op == "NonZero":
        return (np.array(np.nonzero(x[0]), dtype=np.int64),)
    if op == "LayerNormalization":
        assert a.get("axis", -1) == -1
        return _layer_norm(x[0], x[1], x[2], a.get("epsilon", 1e-5))
    if op == "SkipLayerNormalization" and node.domain == "com.microsoft":
        s = x[0] + x[1] + (x[4] if len(x) > 4 and x[4] is not None else 0)
        y, mean, inv = _layer_norm(s, x[2], x[3] if len(x) > 3 and x[3] is not None else 0, a.get("epsilon", 1e-12))
        return y, mean, inv, s.astype(np.float32)
    if op == "Attention" and node.domain == "com.microsoft":
        return (_attention(x[0], x[1], x[2], x[3] if len(x) > 3 else None, a["num_heads"], a.get("scale"),
                           a.get("mask_filter_value", -10000.0)),)
    raise NotImplementedError(f"onnx_numpy: operator {node.domain or 'ai.onnx'}.{op} ({node.name}) not implemented")


def run(model, feeds):
    """model: path or ModelProto; feeds: {input name: numpy array}. Returns {output name: numpy array}."""
    proto = onnx.load(model) if isinstance(model, str) else model
    env = {w.name: numpy_helper.to_array(w) for w in proto.graph.initializer}
    for i in proto.graph.input:
        if i.name not in env:
            env[i.name] = np.asarray(feeds[i.name])
    for node in proto.graph.node:  # ONNX graphs are topologically sorted
        outs = _op(node, [env[n] if n else None for n in node.input])
        for name, value in zip(node.output, outs):
            if name:
                env[name] = value
    return {o.name: env[o.name] for o in proto.graph.output}
