"""Batches of an epoch: length-bucketed sample order, masked inputs on the device, and the
validation set (drawn once, so that validation metrics compare across epochs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atomdl.pretraining.devices import to_device
from atomdl.pretraining.losses import Batch
from atomdl.pretraining.samples import IGNORE, Corpus, mask_tokens

__all__ = ["ValidationSet", "batch_tensors", "length_bucketed_batches", "validation_set"]


@dataclass(frozen=True)
class ValidationSet:
    """Masked inputs, segments, atom labels and pair labels of the validation samples; with
    property heads, also their pools and standardised targets."""

    inputs: np.ndarray
    segments: np.ndarray
    labels: np.ndarray
    pair_labels: np.ndarray
    pools: np.ndarray | None = None
    values: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.inputs)

    def part(self, start: int, stop: int) -> ValidationSet:
        return ValidationSet(
            *(None if a is None else a[start:stop] for a in self.__dict__.values())
        )


def validation_set(corpus: Corpus, formulas: np.ndarray, rng: np.random.Generator, targets=None):
    pairs = corpus.pairs(rng, formulas)
    tokens, segments = corpus.sequences(pairs.first, pairs.second)
    inputs, labels = mask_tokens(tokens, corpus.element_ids, rng)
    if targets is None:
        return ValidationSet(inputs, segments, labels, pairs.label)
    pools, values = targets.arrays(corpus, pairs.first, pairs.second)
    return ValidationSet(inputs, segments, labels, pairs.label, pools, values)


def length_bucketed_batches(corpus, pairs, config, rng) -> list[np.ndarray]:
    """Batches from length-sorted chunks of the shuffled samples (then shuffled): little is
    spent on padding."""
    lengths = corpus.lengths[pairs.first] + corpus.lengths[pairs.second]
    order = rng.permutation(len(lengths))
    chunk = config.batch_size * config.bucket_batches
    batches = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches += [part[i : i + config.batch_size] for i in range(0, len(part), config.batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def batch_tensors(device, inputs, segments, labels, pair_labels, n_atoms: int, n: int) -> Batch:
    """The batch on the device. The masked positions are found on the host: a boolean index
    on the device would make the host wait for its count."""
    positions = np.flatnonzero(labels.ravel() != IGNORE)
    arrays = (inputs, segments, labels.ravel()[positions], pair_labels, positions)
    return Batch(*(to_device(device, a) for a in arrays), n_atoms=n_atoms, n=n)
