"""Pretraining samples: ``[CLS] formula-1 [SEP] formula-2 [SEP]`` with masked atoms.

Each formula is written out atom by atom (Fe2O3 -> Fe Fe O O O). A sample pairs two formulas;
its label says whether they are of the same class (same periodic-table groups, see
:func:`atomdl.chemistry.class_key`).

**Pairs and masks are drawn afresh every epoch**, from a generator seeded by ``(seed, epoch)``:
every formula is the first formula of one sample per epoch (as in the paper, one sample per
formula), its partner and the masked atoms change from epoch to epoch (dynamic masking, which
helps masked-language models generalise, Liu et al. 2019), and any epoch can be rebuilt exactly,
which is what makes an interrupted run resumable with identical results. The validation samples
are drawn once, so that validation metrics are comparable across epochs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from atomdl.pretraining.vocabulary import SPECIAL_TOKENS

__all__ = ["MASK_PROBABILITY", "Corpus", "PairedSamples", "mask_tokens", "subsample"]

PAD, UNK, CLS, SEP, MASK = range(len(SPECIAL_TOKENS))
IGNORE = -100  # label of positions that are not predicted (torch's cross-entropy default)
MASK_PROBABILITY = 0.15
MASK_SPLIT = (0.8, 0.1, 0.1)  # -> [MASK], -> a random atom, unchanged


@dataclass(frozen=True)
class PairedSamples:
    """One epoch's (or the validation's) samples: formula pairs and pair labels."""

    first: np.ndarray
    second: np.ndarray
    label: np.ndarray  # 1 when the two formulas are of the same class


class Corpus:
    """Formulas as atom-token sequences, with their classes, ready to pair and batch."""

    def __init__(
        self,
        elements: Sequence[Sequence[str]],
        amounts: Sequence[Sequence[float]],
        class_keys: Sequence[str],
        vocabulary: pd.DataFrame,
        properties: pd.DataFrame | None = None,
    ):
        """``properties``: optional per-formula targets for the property heads (one column per
        property, NaN where a formula lacks one), row for row with ``elements``."""
        ordered = vocabulary.sort_values("token_id")
        if not np.array_equal(ordered["token_id"].to_numpy(), np.arange(len(ordered))):
            raise ValueError("vocabulary token ids must be 0 .. n-1")
        #: the vocabulary in id order, which an encoder trained on this corpus keeps
        self.vocabulary_tokens = ordered["token"].astype(str).tolist()
        self.element_ids = vocabulary.loc[vocabulary["kind"] == "element", "token_id"].to_numpy()
        self._write_out(elements, amounts, vocabulary)
        self._index_classes(class_keys)
        self._set_properties(properties)

    def _write_out(self, elements, amounts, vocabulary: pd.DataFrame) -> None:
        """Every formula atom by atom (``tokens``), with its offset and length."""
        n_elements = np.fromiter((len(e) for e in elements), dtype=np.int64, count=len(elements))
        flat_elements = pd.Series(
            np.concatenate([np.asarray(e, dtype=object) for e in elements])
            if len(elements)
            else [],
            dtype=object,
        )
        flat_amounts = (
            np.concatenate([np.asarray(a, dtype=float) for a in amounts])
            if len(amounts)
            else np.empty(0)
        )
        counts = np.rint(flat_amounts).astype(np.int64)
        if (counts < 1).any() or not np.allclose(counts, flat_amounts):
            raise ValueError("every amount must be a positive integer to write formulas out")
        ids = flat_elements.map(dict(zip(vocabulary["token"], vocabulary["token_id"], strict=True)))
        if ids.isna().any():
            raise ValueError(
                f"elements not in the vocabulary: {sorted(set(flat_elements[ids.isna()]))}"
            )
        self.tokens = np.repeat(ids.to_numpy(dtype=np.int64), counts)
        term_offsets = np.concatenate(([0], np.cumsum(n_elements)))
        atoms_before = np.concatenate(([0], np.cumsum(counts)))
        self.offsets = atoms_before[term_offsets]
        self.lengths = np.diff(self.offsets)

    def _index_classes(self, class_keys) -> None:
        """Class ids, and each formula's rank in its class (for drawing same-class partners)."""
        classes, self.class_of = np.unique(
            np.asarray(class_keys, dtype=object).astype(str), return_inverse=True
        )
        self.n_classes = len(classes)
        self._by_class = np.argsort(self.class_of, kind="stable")
        self._class_start = np.searchsorted(
            self.class_of[self._by_class], np.arange(self.n_classes)
        )
        self._class_size = np.bincount(self.class_of, minlength=self.n_classes)
        rank = np.empty(len(self.class_of), dtype=np.int64)
        rank[self._by_class] = (
            np.arange(len(self.class_of)) - self._class_start[self.class_of[self._by_class]]
        )
        self._rank_in_class = rank

    def _set_properties(self, properties: pd.DataFrame | None) -> None:
        #: names of the property columns, and the values (formulas x properties, NaN: missing)
        self.property_names: tuple[str, ...] = ()
        self.properties = np.empty((len(self), 0))
        if properties is not None and properties.shape[1]:
            if len(properties) != len(self):
                raise ValueError(f"{len(properties)} property rows for {len(self)} formulas")
            self.property_names = tuple(str(c) for c in properties.columns)
            self.properties = properties.to_numpy(dtype=float, na_value=np.nan)
            if np.isinf(self.properties).any():
                rows, cols = np.nonzero(np.isinf(self.properties))
                raise ValueError(
                    f"infinite {self.property_names[cols[0]]} in formula row {rows[0]} "
                    f"({len(rows)} infinite values in all)"
                )

    @classmethod
    def from_compositions(
        cls,
        compositions: pd.DataFrame,
        vocabulary: pd.DataFrame,
        properties: Sequence[str] = (),
    ) -> Corpus:
        """The corpus of an ingested composition table; ``properties``: its columns that the
        property heads learn (none: the paper's two objectives only)."""
        missing = [name for name in properties if name not in compositions.columns]
        if missing:
            raise ValueError(
                f"property columns {missing} are not in the compositions (columns: "
                f"{list(compositions.columns)})"
            )
        return cls(
            compositions["elements"],
            compositions["amounts"],
            compositions["class_key"],
            vocabulary,
            compositions[list(properties)] if properties else None,
        )

    def __len__(self) -> int:
        return len(self.lengths)

    def sha256(self) -> str:
        """Hash of what training sees: the atom tokens of every formula and their classes."""
        digest = hashlib.sha256()
        for array in (self.tokens, self.offsets, self.class_of):
            digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
        if self.property_names:  # the paper's corpus hashes as it always did
            digest.update(repr(self.property_names).encode())
            digest.update(np.ascontiguousarray(self.properties, dtype=np.float64).tobytes())
        return digest.hexdigest()

    def pairs(self, rng: np.random.Generator, formulas: np.ndarray | None = None) -> PairedSamples:
        """One sample per formula of ``formulas`` (all by default), half of them same-class.

        The partner is drawn from the same set of formulas, so validation pairs never touch
        training formulas. Formulas alone in their class can only have a different-class
        partner; the others are paired same-class a little more often, so that half of all
        samples are positive.
        """
        pool = np.arange(len(self)) if formulas is None else np.asarray(formulas)
        if len(np.unique(self.class_of[pool])) < 2:
            raise ValueError("pairing needs formulas of at least two classes")
        in_pool = np.zeros(len(self), dtype=bool)
        in_pool[pool] = True
        class_size = np.bincount(self.class_of[pool], minlength=self.n_classes)
        eligible = class_size[self.class_of[pool]] >= 2
        p_positive = min(1.0, 0.5 * len(pool) / max(int(eligible.sum()), 1))
        label = (rng.random(len(pool)) < p_positive) & eligible

        second = np.empty(len(pool), dtype=np.int64)
        positives = pool[label]
        second[label] = self._same_class_partner(positives, in_pool, rng)
        negatives = np.flatnonzero(~label)
        second[negatives] = pool[rng.integers(len(pool), size=len(negatives))]
        clash = negatives[self.class_of[second[negatives]] == self.class_of[pool[negatives]]]
        while len(clash):  # redraw partners that happen to share the class
            second[clash] = pool[rng.integers(len(pool), size=len(clash))]
            clash = clash[self.class_of[second[clash]] == self.class_of[pool[clash]]]
        return PairedSamples(first=pool.copy(), second=second, label=label.astype(np.int64))

    def _same_class_partner(self, formulas, in_pool, rng):
        partner = np.empty(len(formulas), dtype=np.int64)
        pending = np.arange(len(formulas))
        while len(pending):  # draw another member of the class; redraw if outside the pool
            f = formulas[pending]
            size = self._class_size[self.class_of[f]]
            r = (rng.random(len(f)) * (size - 1)).astype(np.int64)
            r += r >= self._rank_in_class[f]
            candidate = self._by_class[self._class_start[self.class_of[f]] + r]
            ok = in_pool[candidate]
            partner[pending[ok]] = candidate[ok]
            pending = pending[~ok]
        return partner

    def sequences(self, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and segment ids (0: [CLS] f1 [SEP]; 1: f2 [SEP]), padded with [PAD]."""
        len1, len2 = self.lengths[first], self.lengths[second]
        total = len1 + len2 + 3
        j = np.arange(total.max())[None, :]
        a, b = len1[:, None], len2[:, None]
        in_first = (j >= 1) & (j <= a)
        in_second = (j >= a + 2) & (j <= a + b + 1)
        source = np.where(
            in_first,
            self.offsets[first][:, None] + j - 1,
            self.offsets[second][:, None] + j - a - 2,
        )
        source = np.clip(source, 0, max(len(self.tokens) - 1, 0))
        tokens = np.where(in_first | in_second, self.tokens[source], PAD)
        tokens[:, 0] = CLS
        rows = np.arange(len(first))
        tokens[rows, len1 + 1] = SEP
        tokens[rows, total - 1] = SEP
        segments = ((j >= a + 2) & (j < total[:, None])).astype(np.int64)
        return tokens, segments

    def formula_pools(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Weights (samples, 2, length) that average the atoms of each sample's first and second
        formula, laid out as :meth:`sequences` lays them out: the property heads' pooling."""
        len1, len2 = self.lengths[first][:, None], self.lengths[second][:, None]
        j = np.arange((len1 + len2).max() + 3)[None, :]
        in_first = (j >= 1) & (j <= len1)
        in_second = (j >= len1 + 2) & (j <= len1 + len2 + 1)
        return np.stack([in_first / len1, in_second / len2], axis=1).astype(np.float32)


def mask_tokens(
    tokens: np.ndarray,
    element_ids: np.ndarray,
    rng: np.random.Generator,
    probability: float = MASK_PROBABILITY,
) -> tuple[np.ndarray, np.ndarray]:
    """BERT masking of atom tokens; returns (inputs, labels), labels ``IGNORE`` where unmasked.

    Each atom token is chosen with ``probability``; a chosen atom becomes [MASK] (80%), a random
    atom (10%) or stays (10%). Special tokens are never chosen.
    """
    is_atom = tokens > MASK
    chosen = is_atom & (rng.random(tokens.shape) < probability)
    labels = np.where(chosen, tokens, IGNORE)
    action = rng.random(tokens.shape)
    inputs = tokens.copy()
    inputs[chosen & (action < MASK_SPLIT[0])] = MASK
    randomised = chosen & (action >= MASK_SPLIT[0]) & (action < MASK_SPLIT[0] + MASK_SPLIT[1])
    inputs[randomised] = rng.choice(element_ids, size=int(randomised.sum()))
    return inputs, labels


def subsample(compositions: pd.DataFrame, limit: int | None, seed: int) -> pd.DataFrame:
    """The whole corpus, or a seeded random subset of ``limit`` formulas in corpus order."""
    if limit is None or limit >= len(compositions):
        return compositions
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(compositions), size=int(limit), replace=False))
    return compositions.iloc[rows].reset_index(drop=True)
