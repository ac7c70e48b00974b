"""Materials -> the encoder's input: formulas or element amounts as token ids and counts.

The encoder reads ``[CLS]``, one position per element present, ``[SEP]`` (padded), with the
amount of each element as the position's count (``AtomEncoder.encode``). This module is the one
place that knows how a formula becomes that input; the ``nn.Module`` only computes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["Tokenizer"]


class Tokenizer:
    """The vocabulary of an encoder (token strings in id order: special tokens, then elements)."""

    def __init__(self, tokens: Sequence[str] | None):
        if tokens is None:
            raise ValueError("this encoder was built without its tokens: pass them to AtomEncoder")
        self.tokens = [str(t) for t in tokens]

    @property
    def elements(self) -> list[str]:
        """The element symbols, in id order (the encoder's element-vector rows)."""
        return [t for t in self.tokens if not t.startswith("[")]

    def formula_amounts(self, formulas: Sequence[str]) -> np.ndarray:
        """Amounts (formulas x :attr:`elements`) of parsed formulas; an error for an element
        the vocabulary lacks."""
        from atomdl.chemistry import parse_formula

        position = {symbol: i for i, symbol in enumerate(self.elements)}
        amounts = np.zeros((len(formulas), len(position)))
        for row, formula in enumerate(formulas):
            for symbol, amount in parse_formula(formula).items():
                if symbol not in position:
                    raise ValueError(f"{formula}: {symbol} is not in the encoder's vocabulary")
                amounts[row, position[symbol]] += amount
        return amounts

    def sequences(self, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and counts of materials given as amounts of :attr:`elements` (rows x
        elements): ``[CLS]``, one position per element present, ``[SEP]``, padded."""
        element_ids = np.array(
            [i for i, t in enumerate(self.tokens) if not t.startswith("[")], dtype=np.int64
        )
        amounts = np.asarray(amounts, dtype=float)
        present = amounts > 0
        if (amounts < 0).any() or not present.any(axis=1).all():
            bad = np.flatnonzero((amounts < 0).any(axis=1) | ~present.any(axis=1))
            raise ValueError(
                f"rows {bad[:10].tolist()} have a negative amount or no element at all "
                f"({len(bad)} rows)"
            )
        n = present.sum(axis=1)
        tokens = np.zeros((len(amounts), int(n.max()) + 2), dtype=np.int64)
        counts = np.zeros(tokens.shape, dtype=np.float32)
        last = np.arange(len(amounts)), n + 1
        tokens[:, 0], tokens[last] = self.tokens.index("[CLS]"), self.tokens.index("[SEP]")
        counts[:, 0], counts[last] = 1.0, 1.0
        rows, columns = np.nonzero(present)  # row-major: each row's elements in column order
        slot = np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n) + 1
        tokens[rows, slot] = element_ids[columns]
        counts[rows, slot] = amounts[rows, columns]
        return tokens, counts

    def atom_weights(self, tokens, counts):
        """``counts`` (a tensor) at the element positions of :meth:`sequences`' output, 0 at
        ``[CLS]``, ``[SEP]`` and padding: the weights of a mean over a material's atoms."""
        import torch

        is_element = [not t.startswith("[") for t in self.tokens]
        return counts * torch.tensor(is_element, device=tokens.device)[tokens]
