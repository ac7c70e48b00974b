"""The atom encoder: a BERT-style Transformer encoder over formula pairs.

**No position embeddings.** A formula is a multiset of atoms: Fe2O3 is the same compound
whichever order its atoms are written in, so the encoder must not learn anything from the order.
Without position embeddings a Transformer encoder is permutation-equivariant, so the order of
atoms within a formula cannot matter. What must be told apart is *which* formula an atom belongs
to: a segment embedding (0 for ``[CLS]`` formula-1 ``[SEP]``, 1 for formula-2 ``[SEP]``) does that.

Blocks are post-LN as in the paper and the original Transformer (attention -> add & norm ->
feed-forward -> add & norm), written here with one fused query/key/value projection. Dropout
applies to the embeddings, the attention output and the feed-forward layer; dropout on the
attention probabilities is a separate setting, off by default: at width 16 with 8 heads its random
masks cost more CPU time than the whole attention (benchmarks/), and BERT-style models train well
without it. The element vectors ("Atom_DL") are the rows of the token embedding table.

**Property heads** (optional, ``EncoderConfig.properties``): a linear regression head reads each
formula's pooled output (the mean of its atoms' last hidden states) and predicts the formula's
DFT properties, standardised by ``property_means`` / ``property_scales`` (training formulas
only); :func:`atomdl.pretraining.predict.predict_properties` gives them back in their own
units. An encoder without them (the paper's) loads and behaves exactly as before.

**The model neither parses formulas nor tokenizes**: :class:`~atomdl.pretraining.tokenizer.
Tokenizer` turns materials into token ids and counts.

**Why CPU training has its own attention and dropout.** Heads of width 2 over ~20 tokens are far
too small for PyTorch's fused CPU attention kernel, which works head by head; on CPU all heads of
a sample are computed in two dense matrix products instead (a block-diagonal key/value layout),
and dropout masks come from NumPy's generator, seeded from torch's, which draws them about three
times faster than ``bernoulli_``. Both are the same computation (tests compare them with the
fused kernel and ``F.dropout``); on a GPU the fused kernels are used. Figures: docs/pretraining.md.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from atomdl.pretraining.config import EncoderConfig

__all__ = ["AtomEncoder", "EncoderConfig", "encoder_artefact", "load_encoder"]

ARTEFACT_FORMAT = "atomdl-encoder/1"


class AtomEncoder(nn.Module):
    """Token and segment embeddings, post-LN blocks, a masked-atom head and a pair head.

    ``tokens``: the vocabulary in id order (special tokens, then elements), one per embedding
    row; the encoder then knows which row is which element (:meth:`element_vectors`).
    """

    #: On CPU, the all-heads attention and NumPy dropout masks (see the module docstring); set
    #: to False on a model to use PyTorch's fused attention kernel and ``F.dropout`` instead.
    cpu_kernels: bool = True

    def __init__(self, config: EncoderConfig, tokens: Sequence[str] | None = None):
        super().__init__()
        if config.embedding_dim % config.n_heads:
            raise ValueError(
                f"embedding_dim {config.embedding_dim} is not divisible by n_heads {config.n_heads}"
            )
        if tokens is not None and len(tokens) != config.vocabulary_size:
            raise ValueError(f"{len(tokens)} tokens for a vocabulary of {config.vocabulary_size}")
        self.config = config
        self.tokens = None if tokens is None else [str(t) for t in tokens]
        d = config.embedding_dim
        self.token_embedding = nn.Embedding(config.vocabulary_size, d, padding_idx=0)
        self.segment_embedding = nn.Embedding(2, d)
        self.embedding_norm = nn.LayerNorm(d)
        self.blocks = nn.ModuleList(PostLNBlock(config) for _ in range(config.n_layers))
        self.atom_head = nn.Linear(d, config.vocabulary_size)  # softmax lives in the loss
        self.pair_head = nn.Linear(d, 2)
        if config.properties:
            self.property_head = nn.Linear(d, len(config.properties))

    def forward(
        self,
        tokens: torch.Tensor,
        segments: torch.Tensor,
        atom_positions: torch.Tensor | None = None,
        formula_pools: torch.Tensor | None = None,
        counts: torch.Tensor | None = None,
    ):
        """Masked-atom logits (batch, length, vocabulary) and pair logits (batch, 2).

        With ``atom_positions`` (a boolean mask like ``tokens``, or flat indices into batch x
        length, which need no wait for the device), masked-atom logits only for those positions
        (n, vocabulary): training needs no others, and the head is then ~7x cheaper.
        With ``formula_pools`` (batch, formulas, length; each row averages one formula's atoms,
        :meth:`Corpus.formula_pools`), also the standardised property predictions (batch,
        formulas, properties) of an encoder with property heads. ``counts``: see :meth:`encode`.
        """
        hidden = self.encode(tokens, segments, counts)
        if atom_positions is None:
            atoms = hidden
        elif atom_positions.dtype == torch.bool:
            atoms = hidden[atom_positions]
        else:
            atoms = hidden.reshape(-1, hidden.shape[-1]).index_select(0, atom_positions)
        outputs = (self.atom_head(atoms), self.pair_head(hidden[:, 0]))
        if formula_pools is None:
            return outputs
        if not self.config.properties:
            raise ValueError("this encoder has no property heads (EncoderConfig.properties)")
        pooled = torch.bmm(formula_pools.to(hidden.dtype), hidden)
        return (*outputs, self.property_head(pooled))

    def element_vectors(self) -> pd.DataFrame:
        """The element-vector table ("Atom_DL"): one row per element of the vocabulary, indexed
        by symbol, columns ``dim_0 ... dim_{d-1}``; special tokens are left out."""
        if self.tokens is None:
            raise ValueError("this encoder was built without its tokens: pass them to AtomEncoder")
        weights = self.token_embedding.weight.detach().float().cpu().numpy()
        table = pd.DataFrame(
            weights,
            index=pd.Index(self.tokens, name="symbol"),
            columns=[f"dim_{i}" for i in range(weights.shape[1])],
        )
        return table[~table.index.str.startswith("[")]

    def __reduce__(self):
        """Pickle as the artefact (see the module docstring), whatever pickles it."""
        return _from_artefact, (encoder_artefact(self),)

    def __deepcopy__(self, memo):
        """A plain deep copy (training mode and device kept), not a trip through the artefact."""
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            object.__setattr__(clone, key, copy.deepcopy(value, memo))
        return clone

    def encode(
        self, tokens: torch.Tensor, segments: torch.Tensor, counts: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Contextual vectors of every position (batch, length, embedding_dim).

        ``counts`` (batch, length; > 0 at every non-padding position): how many atoms each
        position stands for, so that a formula can be given one position per element. Copies of
        an atom are indistinguishable here (same token and segment, no positions), so at every
        layer they carry the same vector, and attention to n copies is attention to one with
        log(n) added to its score: with ``counts``, ``[CLS] Fe O [SEP]`` and counts (1, 2, 3, 1)
        give exactly what ``[CLS] Fe Fe O O O [SEP]`` gives at each of its positions (without
        dropout), and a fractional amount (Al0.1Ga0.9As) weighs its element in proportion.
        """
        x = self.token_embedding(tokens) + self.segment_embedding(segments)
        fused = x.device.type != "cpu" or not self.cpu_kernels
        x = _dropout(self.embedding_norm(x), self.config.dropout, self.training, numpy=not fused)
        keys = _key_mask(
            tokens == 0, self.config.n_heads, fused=fused, dtype=x.dtype, counts=counts
        )
        for block in self.blocks:
            x = block(x, keys)
        return x


class PostLNBlock(nn.Module):
    """Multi-head self-attention -> add & norm -> feed-forward (GELU) -> add & norm."""

    def __init__(self, config: EncoderConfig):
        super().__init__()
        d = config.embedding_dim
        self.n_heads = config.n_heads
        self.dropout, self.attention_dropout = config.dropout, config.attention_dropout
        self.qkv = nn.Linear(d, 3 * d)
        self.attention_out = nn.Linear(d, d)
        self.attention_norm = nn.LayerNorm(d)
        self.feedforward_in = nn.Linear(d, config.feedforward_dim)
        self.feedforward_out = nn.Linear(config.feedforward_dim, d)
        self.feedforward_norm = nn.LayerNorm(d)

    def forward(self, x: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """``keys``: from ``_key_mask``; a 4-d mask (booleans, or a float bias) selects PyTorch's
        fused kernels, a 3-d float bias the CPU ones."""
        fused = keys.dim() == 4
        attention = (self._fused_attention if fused else self._all_heads_attention)(
            self.qkv(x), keys
        )

        def drop(y):
            return _dropout(y, self.dropout, self.training, numpy=not fused)

        x = self.attention_norm(x + drop(self.attention_out(attention)))
        hidden = drop(F.gelu(self.feedforward_in(x)))
        return self.feedforward_norm(x + drop(self.feedforward_out(hidden)))

    def _fused_attention(self, qkv: torch.Tensor, attend: torch.Tensor) -> torch.Tensor:
        """Head by head in PyTorch's fused kernel; ``attend``: (batch, 1, 1, length) booleans,
        or an additive float bias."""
        batch, length, d = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
        q, k, v = qkv.view(batch, length, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        attention = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attend, dropout_p=self.attention_dropout if self.training else 0.0
        )
        return attention.transpose(1, 2).reshape(batch, length, d)

    def _all_heads_attention(self, qkv: torch.Tensor, key_bias: torch.Tensor) -> torch.Tensor:
        """All heads of a sample in two matrix products; ``key_bias``: (batch, 1, heads x length),
        0 for a key, -inf for padding.

        Keys and values are laid out block-diagonally, one block of rows per head, so that
        ``q @ keys.T`` gives every head's scores side by side and ``probabilities @ values`` puts
        every head's output in its own columns: n_heads times the arithmetic of head-by-head
        attention, but in matrices large enough for the CPU to run at speed.
        """
        batch, length, d = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
        heads = self.n_heads
        q, k, v = qkv.split(d, dim=-1)
        own_columns = torch.eye(heads, dtype=qkv.dtype, device=qkv.device).repeat_interleave(
            d // heads, dim=1
        )[None, :, None, :]  # (1, heads, 1, d): 1 where a column belongs to the head
        keys = (k[:, None] * own_columns).reshape(batch, heads * length, d)
        values = (v[:, None] * own_columns).reshape(batch, heads * length, d)
        scores = torch.baddbmm(key_bias, q * (d // heads) ** -0.5, keys.transpose(1, 2))
        probabilities = scores.view(batch, length, heads, length).softmax(-1)
        probabilities = F.dropout(probabilities, self.attention_dropout, self.training)
        return torch.bmm(probabilities.view(batch, length, heads * length), values)


def _key_mask(
    padding: torch.Tensor,
    n_heads: int,
    fused: bool,
    dtype: torch.dtype,
    counts: torch.Tensor | None = None,
):
    """What the blocks need to ignore padding keys (and weigh keys by ``counts``, see
    :meth:`AtomEncoder.encode`): booleans or an additive bias (batch, 1, 1, length) for the
    fused kernel, an additive bias (batch, 1, heads x length) for the all-heads attention
    (computed once per batch, not once per block)."""
    if fused and counts is None:
        return ~padding[:, None, None, :]
    if counts is None:
        bias = torch.zeros(padding.shape, dtype=dtype, device=padding.device)
    else:
        bias = torch.log(counts.to(dtype).masked_fill(padding, 1.0))
    bias = bias.masked_fill(padding, float("-inf"))
    if fused:
        return bias[:, None, None, :]
    return bias.repeat(1, n_heads)[:, None, :]


_NOISE_LEVELS = 65536  # dropout draws 16-bit noise: p is honoured to within 1 / 65536


def _dropout(x: torch.Tensor, p: float, training: bool, numpy: bool = True) -> torch.Tensor:
    """``F.dropout``, with CPU masks drawn by NumPy (``numpy``): ~3x faster than ``bernoulli_``.

    The NumPy generator is seeded from torch's, so ``torch.manual_seed`` governs these masks
    as it governs ``F.dropout``'s.
    """
    if not (numpy and training and 0.0 < p < 1.0 and x.device.type == "cpu"):
        return F.dropout(x, p, training)  # which also rejects a p outside [0, 1]
    seed = int(torch.randint(0, 2**62, (), dtype=torch.int64))
    dropped = round(p * _NOISE_LEVELS)
    noise = np.frombuffer(np.random.default_rng(seed).bytes(2 * x.numel()), dtype=np.uint16)
    keep = torch.from_numpy(noise.reshape(x.shape) >= dropped)
    return x * (keep * (_NOISE_LEVELS / (_NOISE_LEVELS - dropped))).to(x.dtype)


def encoder_artefact(model: AtomEncoder, tokens: Sequence[str] | None = None) -> dict:
    """The stored form of an encoder: format, config, tokens (vocabulary in id order), weights."""
    tokens = model.tokens if tokens is None else list(tokens)
    if tokens is None:
        raise ValueError("an encoder is stored with its tokens: pass them to AtomEncoder")
    if len(tokens) != model.config.vocabulary_size:
        raise ValueError(f"{len(tokens)} tokens for a vocabulary of {model.config.vocabulary_size}")
    return {
        "format": ARTEFACT_FORMAT,
        "config": model.config.to_dict(),
        "tokens": list(tokens),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }


def load_encoder(source: str | Path | dict | AtomEncoder) -> AtomEncoder:
    """The trained encoder (in eval mode) from a file in the stored form (any of the pickles
    named in the module docstring) or from the artefact dict itself."""
    if isinstance(source, AtomEncoder):
        return source.eval()
    if isinstance(source, dict):
        return _from_artefact(source)
    with open(source, "rb") as handle:
        loaded = pickle.load(handle)
    if isinstance(loaded, AtomEncoder):
        return loaded
    if not isinstance(loaded, dict):
        raise ValueError(f"{source} is not an atomdl encoder ({ARTEFACT_FORMAT})")
    return _from_artefact(loaded, source)


def _from_artefact(artefact: dict, source=None) -> AtomEncoder:
    if not isinstance(artefact, dict) or artefact.get("format") != ARTEFACT_FORMAT:
        raise ValueError(
            f"{source if source is not None else 'object'} is not an atomdl encoder artefact "
            f"({ARTEFACT_FORMAT})"
        )
    model = AtomEncoder(EncoderConfig(**artefact["config"]), artefact["tokens"])
    model.load_state_dict(artefact["state_dict"])
    return model.eval()
