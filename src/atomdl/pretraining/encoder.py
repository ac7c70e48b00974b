"""The atom encoder: a BERT-style Transformer encoder over formula pairs.

**No position embeddings.** A formula is a multiset of atoms: Fe2O3 is the same compound
whichever order its atoms are written in, so the encoder must not learn anything from the order.
Without position embeddings a Transformer encoder is permutation-equivariant, so the order of
atoms within a formula cannot matter. What must be told apart is *which* formula an atom belongs
to: a segment embedding (0 for ``[CLS]`` formula-1 ``[SEP]``, 1 for formula-2 ``[SEP]``) does that.

Blocks are post-LN as in the paper and the original Transformer (attention -> add & norm ->
feed-forward -> add & norm), written here with one fused query/key/value projection and
``scaled_dot_product_attention``. Dropout applies to the embeddings, the attention output and the
feed-forward layer; dropout on the attention probabilities is a separate setting, off by default:
at width 16 with 8 heads its random masks cost more CPU time than the whole attention
(benchmarks/), and BERT-style models train well without it. The element vectors ("Atom_DL") are
the rows of the token embedding table.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["AtomEncoder", "EncoderConfig", "element_vectors", "encoder_artefact", "load_encoder"]

ARTEFACT_FORMAT = "atomdl-encoder/1"


@dataclass(frozen=True)
class EncoderConfig:
    vocabulary_size: int
    embedding_dim: int = 16
    n_layers: int = 8
    n_heads: int = 8
    feedforward_dim: int = 64
    dropout: float = 0.1
    attention_dropout: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class AtomEncoder(nn.Module):
    """Token and segment embeddings, post-LN blocks, a masked-atom head and a pair head."""

    def __init__(self, config: EncoderConfig):
        super().__init__()
        if config.embedding_dim % config.n_heads:
            raise ValueError(
                f"embedding_dim {config.embedding_dim} is not divisible by n_heads {config.n_heads}"
            )
        self.config = config
        d = config.embedding_dim
        self.token_embedding = nn.Embedding(config.vocabulary_size, d, padding_idx=0)
        self.segment_embedding = nn.Embedding(2, d)
        self.embedding_norm = nn.LayerNorm(d)
        self.embedding_dropout = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(PostLNBlock(config) for _ in range(config.n_layers))
        self.atom_head = nn.Linear(d, config.vocabulary_size)  # softmax lives in the loss
        self.pair_head = nn.Linear(d, 2)

    def forward(self, tokens: torch.Tensor, segments: torch.Tensor):
        """Masked-atom logits (batch, length, vocabulary) and pair logits (batch, 2)."""
        hidden = self.encode(tokens, segments)
        return self.atom_head(hidden), self.pair_head(hidden[:, 0])

    def encode(self, tokens: torch.Tensor, segments: torch.Tensor) -> torch.Tensor:
        """Contextual vectors of every position (batch, length, embedding_dim)."""
        x = self.token_embedding(tokens) + self.segment_embedding(segments)
        x = self.embedding_dropout(self.embedding_norm(x))
        attend = (tokens != 0)[:, None, None, :]  # keys that are not padding
        for block in self.blocks:
            x = block(x, attend)
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

    def forward(self, x: torch.Tensor, attend: torch.Tensor) -> torch.Tensor:
        batch, length, d = x.shape
        q, k, v = (
            self.qkv(x)
            .view(batch, length, 3, self.n_heads, d // self.n_heads)
            .permute(2, 0, 3, 1, 4)
        )
        attention = F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=attend,
            dropout_p=self.attention_dropout if self.training else 0.0,
        )
        attention = attention.transpose(1, 2).reshape(batch, length, d)
        x = self.attention_norm(x + self._drop(self.attention_out(attention)))
        hidden = self._drop(F.gelu(self.feedforward_in(x)))
        return self.feedforward_norm(x + self._drop(self.feedforward_out(hidden)))

    def _drop(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(x, self.dropout, self.training)


def encoder_artefact(model: AtomEncoder, tokens: Sequence[str]) -> dict:
    """What is saved of a trained encoder: its config, weights and vocabulary (token order)."""
    if len(tokens) != model.config.vocabulary_size:
        raise ValueError(f"{len(tokens)} tokens for a vocabulary of {model.config.vocabulary_size}")
    return {
        "format": ARTEFACT_FORMAT,
        "config": model.config.to_dict(),
        "tokens": list(tokens),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }


def load_encoder(source: str | Path | dict) -> AtomEncoder:
    """The trained ``nn.Module`` (in eval mode) from an artefact or its pickle file."""
    artefact = _artefact(source)
    model = AtomEncoder(EncoderConfig(**artefact["config"]))
    model.load_state_dict(artefact["state_dict"])
    model.tokens = list(artefact["tokens"])
    return model.eval()


def element_vectors(source: str | Path | dict | AtomEncoder, tokens: Sequence[str] | None = None):
    """The element-vector table ("Atom_DL"): one row per element of the vocabulary, indexed by
    symbol, columns ``dim_0 ... dim_{d-1}``; special tokens are left out."""
    if isinstance(source, AtomEncoder):
        model = source
        tokens = tokens if tokens is not None else getattr(model, "tokens", None)
        if tokens is None:
            raise ValueError("pass the vocabulary's tokens with a bare AtomEncoder")
    else:
        model = load_encoder(source)
        tokens = model.tokens
    weights = model.token_embedding.weight.detach().cpu().numpy()
    table = pd.DataFrame(
        weights,
        index=pd.Index(list(tokens), name="symbol"),
        columns=[f"dim_{i}" for i in range(weights.shape[1])],
    )
    return table[~table.index.str.startswith("[")]


def _artefact(source) -> dict:
    if isinstance(source, dict):
        artefact = source
    else:
        with open(source, "rb") as handle:
            artefact = pickle.load(handle)
    if not isinstance(artefact, dict) or artefact.get("format") != ARTEFACT_FORMAT:
        raise ValueError(
            f"{source if not isinstance(source, dict) else 'object'} is not an "
            f"atomdl encoder artefact ({ARTEFACT_FORMAT})"
        )
    return artefact
