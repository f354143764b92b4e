"""ElasticAST: an Audio Spectrogram Transformer that takes any length and any frame shift.

References:
- Feng et al., "ElasticAST", arXiv 2407.08691; authors' code JiuFengSC/ElasticAST
  (src/models/elasticast.py): 16x16 non-overlapping patches, factorised positions, no CLS,
  masked attention pooling, NaViT-style packing.
- NaViT reference implementation lucidrains/vit-pytorch (vit_pytorch/na_vit.py): every mask is
  derived from per-token sample ids; attention pooling with one learned query per sample.

Two forward layouts share the same weights:
- `forward_rows`: training layout. Tokens packed into rows [B, L]; sample_ids -1 marks padding.
- `forward_flat`: serving layout (the ONNX graph). All tokens of all windows of one call are flat
  [T, ...]; `rows` [R, L] lists token indices per attention row, T marks a padding slot. Linear
  layers touch the T real tokens only; attention is gathered per row, so it costs sum over rows of
  L^2.
"""
import math
from dataclasses import dataclass, field, asdict, fields
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

# what people monitor for; not exclusive (a siren can sound under speech): sigmoid scores, one per label
LABELS = ["speech", "music", "siren", "alarm", "animal", "vehicle", "impact", "water", "human", "noise"]
PATCH = 16
MASK_BIAS = -1e9  # finite: -inf turns a fully masked (padding) query row into NaN in the ONNX graph


@dataclass
class ElasticASTConfig:
    d_model: int = 128
    depth: int = 4
    heads: int = 4
    mlp_ratio: int = 4
    num_classes: int = len(LABELS)
    num_mel_bins: int = 128           # 128 bins / 16 = 8 frequency positions
    max_time_positions: int = 192     # 3072 frames / 16, the paper's longest training input
    token_dropout: float = 0.1        # fraction of tokens dropped per sample, training only
    ln_eps: float = 1e-6              # ViT's LayerNorm eps
    # None: the standard 1/sqrt(d_head). The authors' released checkpoints were trained without a scale (1.0).
    attention_scale: Optional[float] = None
    # True: the pooled vector adds the learned query back (NaViT); the authors' release has no such residual.
    pool_residual: bool = True

    @property
    def freq_positions(self) -> int:
        return self.num_mel_bins // PATCH

    @property
    def scale(self) -> float:
        """The factor on q.k in every attention (blocks and pool)."""
        return 1.0 / math.sqrt(self.d_model // self.heads) if self.attention_scale is None else float(self.attention_scale)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_model_json(cls, meta: dict) -> "ElasticASTConfig":
        """The network model.json describes (keys written by export_onnx.model_json; absent switches keep
        today's defaults, so a model.json from before they existed still describes its graph)."""
        names = {f.name for f in fields(cls)}
        args = {k: meta[k] for k in ("d_model", "depth", "heads", "mlp_ratio", "num_mel_bins", "max_time_positions",
                                     "ln_eps", "attention_scale", "pool_residual") if k in meta and k in names}
        return cls(num_classes=len(meta["labels"]), **args)


# helpers

def patchify(fbank: torch.Tensor):
    """fbank [frames, 128] -> (patches [P, 256], freq_pos [P], time_pos [P]) in the serving contract's order.

    Patch (tp, fp) covers frames tp*16.. and bins fp*16..; vector index df*16 + dt holds
    fbank[tp*16 + dt][fp*16 + df]. Tokens are time-major (tp, then fp). Frames past a multiple of 16 are cut.
    """
    frames, bins = fbank.shape
    assert bins % PATCH == 0, f"mel bins {bins} not a multiple of {PATCH}"
    tp_count, fp_count = frames // PATCH, bins // PATCH
    x = fbank[: tp_count * PATCH].reshape(tp_count, PATCH, fp_count, PATCH)  # (tp, dt, fp, df)
    patches = x.permute(0, 2, 3, 1).reshape(tp_count * fp_count, PATCH * PATCH)  # (tp*fp, df*16+dt)
    time_pos = torch.arange(tp_count).repeat_interleave(fp_count)
    freq_pos = torch.arange(fp_count).repeat(tp_count)
    return patches.contiguous(), freq_pos, time_pos


def pack_rows(samples, max_tokens: int):
    """Greedy packing (arrival order, NaViT's group_images_by_max_seq_len) of patchified samples into rows.

    samples: list of (patches [P,256], freq_pos [P], time_pos [P]).
    Returns patches [B, L, 256], freq_pos/time_pos [B, L], sample_ids [B, L] (-1 = padding), with sample
    ids global over the batch (0..N-1 in input order); L = the longest row.
    """
    groups, current, used = [], [], 0
    for i, (p, _, _) in enumerate(samples):
        n = p.shape[0]
        assert 0 < n <= max_tokens, f"sample {i} has {n} tokens; rows hold 1..{max_tokens}"
        if used + n > max_tokens:
            groups.append(current)
            current, used = [], 0
        current.append(i)
        used += n
    if current:
        groups.append(current)
    L = max(sum(samples[i][0].shape[0] for i in g) for g in groups)
    B = len(groups)
    patches = torch.zeros(B, L, PATCH * PATCH)
    freq_pos = torch.zeros(B, L, dtype=torch.long)
    time_pos = torch.zeros(B, L, dtype=torch.long)
    sample_ids = torch.full((B, L), -1, dtype=torch.long)
    for b, g in enumerate(groups):
        o = 0
        for i in g:
            p, fpos, tpos = samples[i]
            n = p.shape[0]
            patches[b, o:o + n] = p
            freq_pos[b, o:o + n] = fpos
            time_pos[b, o:o + n] = tpos
            sample_ids[b, o:o + n] = i
            o += n
    return patches, freq_pos, time_pos, sample_ids


def flatten_rows(patches, freq_pos, time_pos, sample_ids):
    """Row layout -> serving flat-token layout (drops padding; row slots keep their places, T marks padding)."""
    keep = sample_ids.reshape(-1) >= 0
    T = int(keep.sum())
    flat_index = torch.full((keep.numel(),), T, dtype=torch.long)
    flat_index[keep] = torch.arange(T)
    rows = flat_index.reshape(sample_ids.shape)
    return (patches.reshape(-1, patches.shape[-1])[keep], freq_pos.reshape(-1)[keep],
            time_pos.reshape(-1)[keep], sample_ids.reshape(-1)[keep], rows)


def mask_bias(q_ids, k_ids):
    """Additive attention bias: 0 where query and key share a sample id, else -1e9. A real query (id >= 0)
    never sees a padding key (id -1); padding queries see only padding keys, and their outputs are never
    read, so nothing real depends on them (and no query row is ever fully masked)."""
    return (q_ids.unsqueeze(-1) != k_ids.unsqueeze(-2)).float() * MASK_BIAS


def attend(q, k, v, bias, scale: float):
    """q [.., H, Lq, dh], k/v [.., H, Lk, dh], bias broadcastable to [.., H, Lq, Lk]; scores q.k * scale
    (`ElasticASTConfig.scale`: 1/sqrt(dh) by default; the authors' release uses 1, i.e. no scale)."""
    # scale q (L x dh) rather than the scores (L x L): one fewer pass over the largest tensor
    if scale != 1.0:
        q = q * scale
    scores = torch.matmul(q, k.transpose(-1, -2)) + bias
    return torch.matmul(torch.softmax(scores, dim=-1), v)


def flat_attention_index(rows, row_ids, ids, heads: int):
    """Gather indices that move tokens between the flat layout and per-head attention rows with one copy each
    way (a row gather plus a head transpose would be two). The qkv projection (T, 3d), columns ordered
    (q|k|v, head, dh), is read as T*3*H head vectors: q/k/v (s = 0/1/2) of head h at row slot (r, l) is vector
    rows[r, l]*3H + s*H + h. Padding slots read token 0: masked as keys, never read as queries. The attention
    output (H, R, L, dh) is read as H*R*L vectors: token t, head h is vector h*R*L + slot[t].
    Returns ([q, k, v] indices, each (H, R, L)) and the output index (T, H)."""
    safe_rows = torch.where(row_ids >= 0, rows, torch.zeros_like(rows))       # (R, L)
    head = torch.arange(heads).reshape(heads, 1, 1)
    base = safe_rows.unsqueeze(0) * (3 * heads) + head                           # (H, R, L)
    qkv_index = [base + s * heads for s in range(3)]
    flat_rows = rows.reshape(-1)                                                 # (R*L,)
    # slot[t] = place of token t in the flattened rows; padding slots all write index T, which is cut
    positions = torch.cumsum(torch.ones_like(flat_rows), 0) - 1                  # 0..R*L-1, shape from tensor
    slot = torch.zeros_like(ids).scatter(0, flat_rows, positions)[:-1]          # (T,)
    slots_per_head = positions[-1:] + 1                                          # (1,) = R*L
    out_index = slot.unsqueeze(1) + torch.arange(heads).unsqueeze(0) * slots_per_head  # (T, H)
    return qkv_index, out_index


# modules

class Block(nn.Module):
    def __init__(self, cfg: ElasticASTConfig):
        super().__init__()
        d = cfg.d_model
        assert d % cfg.heads == 0, f"d_model {d} not divisible by heads {cfg.heads}"
        self.heads, self.d_head, self.scale = cfg.heads, d // cfg.heads, cfg.scale
        self.ln1 = nn.LayerNorm(d, eps=cfg.ln_eps)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d, eps=cfg.ln_eps)
        self.mlp = nn.Sequential(nn.Linear(d, cfg.mlp_ratio * d), nn.GELU(), nn.Linear(cfg.mlp_ratio * d, d))

    def _split_heads(self, qkv_rows):
        # (R, L, 3d) -> 3 x (R, H, L, dh); sizes read from the tensor so the ONNX graph stays dynamic
        R, L = qkv_rows.shape[0], qkv_rows.shape[1]
        x = qkv_rows.reshape(R, L, 3, self.heads, self.d_head).permute(2, 0, 3, 1, 4)
        return x[0], x[1], x[2]

    def _merge_heads(self, o):
        R, L = o.shape[0], o.shape[2]
        return o.permute(0, 2, 1, 3).reshape(R, L, self.heads * self.d_head)  # (R, L, d)

    def forward_rows(self, x, bias):
        """x (B, L, d); bias (B, 1, L, L)."""
        q, k, v = self._split_heads(self.qkv(self.ln1(x)))  # (B, H, L, dh)
        x = x + self.proj(self._merge_heads(attend(q, k, v, bias, self.scale)))
        return x + self.mlp(self.ln2(x))

    def forward_flat(self, x, qkv_index, out_index, bias):
        """x (T, d); qkv_index/out_index from `flat_attention_index`; bias (R, L, L)."""
        heads = self.qkv(self.ln1(x)).reshape(-1, self.d_head)       # (T*3H, dh) real tokens only
        q, k, v = (heads[i] for i in qkv_index)                       # (H, R, L, dh)
        o = attend(q, k, v, bias, self.scale)                        # (H, R, L, dh)
        o = o.reshape(-1, self.d_head)[out_index].flatten(1)          # (T, d) back to token order
        x = x + self.proj(o)
        return x + self.mlp(self.ln2(x))


class AttentionPool(nn.Module):
    """One learned query per sample, attending only to that sample's tokens (NaViT attn_pool)."""

    def __init__(self, cfg: ElasticASTConfig):
        super().__init__()
        d = cfg.d_model
        self.heads, self.d_head, self.scale = cfg.heads, d // cfg.heads, cfg.scale
        self.residual = cfg.pool_residual
        self.query = nn.Parameter(torch.randn(d) * 0.02)
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x, token_ids, window_ids):
        """x (M, d) tokens; token_ids (M,) sample id per token (-1 = padding); window_ids (N,) -> (N, d)."""
        H, dh = self.heads, self.d_head
        q = self.q(self.query).reshape(H, 1, dh)                       # (H, 1, dh): same query for all samples
        kv = self.kv(x).reshape(-1, 2, H, dh).permute(1, 2, 0, 3)      # (2, H, M, dh)
        bias = mask_bias(window_ids, token_ids).unsqueeze(0)           # (1, N, M)
        pooled = attend(q, kv[0], kv[1], bias, self.scale)             # (H, N, dh)
        pooled = pooled.permute(1, 0, 2).reshape(-1, H * dh)           # (N, d)
        out = self.proj(pooled)
        return out + self.query if self.residual else out              # residual on the query, as NaViT


class ElasticAST(nn.Module):
    def __init__(self, cfg: ElasticASTConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        self.patch_embed = nn.Linear(PATCH * PATCH, d)
        self.pos_freq = nn.Parameter(torch.randn(cfg.freq_positions, d) * 0.02)
        self.pos_time = nn.Parameter(torch.randn(cfg.max_time_positions, d) * 0.02)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.depth)])
        self.norm = nn.LayerNorm(d, eps=cfg.ln_eps)
        self.pool = AttentionPool(cfg)
        self.head_norm = nn.LayerNorm(d, eps=cfg.ln_eps)
        self.head = nn.Linear(d, cfg.num_classes)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)

    def embed(self, patches, freq_pos, time_pos):
        return self.patch_embed(patches) + self.pos_freq[freq_pos] + self.pos_time[time_pos]

    def classify(self, tokens, token_ids, window_ids):
        return self.head(self.head_norm(self.pool(self.norm(tokens), token_ids, window_ids)))

    def _drop_tokens(self, sample_ids):
        # token dropout: dropped tokens become padding; each sample keeps its first token so none vanishes
        flat = sample_ids.reshape(-1)
        first = torch.ones_like(flat, dtype=torch.bool)
        first[1:] = flat[1:] != flat[:-1]
        drop = (torch.rand(flat.shape, device=flat.device) < self.cfg.token_dropout) & ~first
        return torch.where(drop, torch.full_like(flat, -1), flat).reshape(sample_ids.shape)

    def forward_rows(self, patches, freq_pos, time_pos, sample_ids, num_samples: int):
        """Training layout. patches (B, L, 256); freq_pos/time_pos/sample_ids (B, L), ids global 0..N-1,
        -1 = padding. Returns logits (num_samples, C)."""
        assert int(time_pos.max()) < self.cfg.max_time_positions, \
            f"time position {int(time_pos.max())} >= table size {self.cfg.max_time_positions}"
        if self.training and self.cfg.token_dropout > 0:
            sample_ids = self._drop_tokens(sample_ids)
        x = self.embed(patches, freq_pos, time_pos)                    # (B, L, d)
        bias = mask_bias(sample_ids, sample_ids).unsqueeze(1)          # (B, 1, L, L) block diagonal
        for blk in self.blocks:
            x = blk.forward_rows(x, bias)
        window_ids = torch.arange(num_samples, device=x.device)
        return self.classify(x.reshape(-1, x.shape[-1]), sample_ids.reshape(-1), window_ids)

    def forward_flat(self, patches, freq_pos, time_pos, sample_ids, rows):
        """Serving layout (the ONNX graph). patches (T, 256); freq_pos/time_pos/sample_ids (T,) with windows
        0..N-1 contiguous; rows (R, L) token indices, T = padding slot. Returns logits (N, C)."""
        x = self.embed(patches, freq_pos, time_pos)                    # (T, d)
        ids = torch.cat([sample_ids, sample_ids[:1] * 0 - 1])          # (T+1,) padding slot T has id -1
        row_ids = ids[rows]                                            # (R, L)
        bias = mask_bias(row_ids, row_ids)                             # (R, L, L), broadcast over heads
        qkv_index, out_index = flat_attention_index(rows, row_ids, ids, self.cfg.heads)
        for blk in self.blocks:
            x = blk.forward_flat(x, qkv_index, out_index, bias)
        # window ids 0..N-1 without a Python int: positions marked by some token's sample id
        present = torch.zeros_like(ids).scatter(0, sample_ids, torch.ones_like(sample_ids))
        window_ids = torch.nonzero(present)[:, 0]                      # (N,)
        return self.classify(x, sample_ids, window_ids)


class ServingGraph(nn.Module):
    """The exported module: the serving contract's inputs -> logits [N, C]."""

    def __init__(self, model: ElasticAST):
        super().__init__()
        self.model = model

    def forward(self, patches, freq_pos, time_pos, sample_ids, rows):
        return self.model.forward_flat(patches, freq_pos, time_pos, sample_ids, rows)
