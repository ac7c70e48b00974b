"""The pretraining losses and the counts behind the metrics, as named fields.

Masked-atom cross-entropy over the masked positions, pair cross-entropy over the samples and,
for property-aware pretraining, the weighted sum over the corpus's properties of a Huber loss
(delta 1 standard deviation: OQMD's formation enthalpies run to 43 eV/atom) between the property
heads' predictions for both formulas of every sample and the standardised targets. Means and
scales come from the training formulas only; a formula missing a target adds nothing to that
property's loss, which is a mean over the targets present in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from atomdl.pretraining.config import TrainingConfig
from atomdl.pretraining.devices import autocast
from atomdl.pretraining.samples import Corpus

__all__ = [
    "Batch",
    "Losses",
    "NonFiniteLossError",
    "PropertyBatch",
    "PropertyTargets",
    "PropertyTerms",
    "batch_losses",
]


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss; nothing was written for that epoch."""


@dataclass(frozen=True)
class Batch:
    """A batch on the device: inputs, segments, the labels of the masked atoms (flat), pair
    labels, the masked positions (flat indices into batch x length), and the global batch's
    counts of masked atoms and samples (the denominators of the losses)."""

    inputs: torch.Tensor
    segments: torch.Tensor
    atom_labels: torch.Tensor
    pair_labels: torch.Tensor
    atom_index: torch.Tensor
    n_atoms: int
    n: int


@dataclass(frozen=True)
class PropertyBatch:
    """The property heads' inputs: pools, standardised targets (NaN: missing), the global count
    of targets present per property, and the loss weights."""

    pools: torch.Tensor
    values: torch.Tensor
    present: torch.Tensor
    weights: torch.Tensor


@dataclass(frozen=True)
class PropertyTerms:
    """Weighted property loss; per property: absolute errors (standardised), targets present
    and Huber sums."""

    loss: torch.Tensor
    absolute_errors: torch.Tensor
    present: torch.Tensor
    huber: torch.Tensor


@dataclass(frozen=True)
class Losses:
    """This process's share of the means over the global batch, and the counts of right
    answers, all on the device."""

    masked_atom: torch.Tensor
    pair: torch.Tensor
    atoms_right: torch.Tensor
    pairs_right: torch.Tensor
    properties: PropertyTerms | None = None

    @property
    def total(self) -> torch.Tensor:
        loss = self.masked_atom + self.pair
        if self.properties is not None:
            loss = loss + self.properties.loss
        return loss


def batch_losses(model, device, batch: Batch, properties: PropertyBatch | None = None) -> Losses:
    """The losses of ``batch``; atom logits only at the masked positions, the only places the
    masked-atom loss looks at."""
    with autocast(device):
        if properties is None:
            atom_logits, pair_logits = model(
                batch.inputs, batch.segments, atom_positions=batch.atom_index
            )
        else:
            atom_logits, pair_logits, predicted = model(
                batch.inputs, batch.segments, atom_positions=batch.atom_index,
                formula_pools=properties.pools,
            )  # fmt: skip
    atom_logits, pair_logits = atom_logits.float(), pair_logits.float()
    atom_labels, pair_labels = batch.atom_labels, batch.pair_labels
    loss_lm = F.cross_entropy(atom_logits, atom_labels, reduction="sum") / max(batch.n_atoms, 1)
    loss_label = F.cross_entropy(pair_logits, pair_labels, reduction="sum") / batch.n
    atoms_right = (atom_logits.argmax(-1) == atom_labels).sum()
    pairs_right = (pair_logits.argmax(-1) == pair_labels).sum()
    terms = None if properties is None else _property_terms(predicted, properties)
    return Losses(loss_lm, loss_label, atoms_right.double(), pairs_right.double(), terms)


def _property_terms(predicted: torch.Tensor, properties: PropertyBatch) -> PropertyTerms:
    known = ~torch.isnan(properties.values)
    # a missing target: residual 0, so no loss and no gradient from it
    residual = torch.where(known, predicted.float() - torch.nan_to_num(properties.values), 0.0)
    huber = F.huber_loss(residual, torch.zeros_like(residual), reduction="none", delta=1.0)
    huber = huber.sum(dim=(0, 1))
    loss_property = (properties.weights * huber / properties.present.clamp(min=1)).sum()
    return PropertyTerms(
        loss=loss_property,
        absolute_errors=residual.detach().abs().sum(dim=(0, 1)).double(),
        present=known.sum(dim=(0, 1)).double(),
        huber=huber.detach().double(),
    )


class PropertyTargets:
    """The property heads' targets: standardised by the training formulas' means and standard
    deviations, per formula, with the loss weights (see the module docstring)."""

    def __init__(self, names, weights, means, scales, standardised):
        self.names, self.weights = names, weights
        self.means, self.scales, self.standardised = means, scales, standardised

    @classmethod
    def of(cls, corpus: Corpus, config: TrainingConfig, train_formulas: np.ndarray):
        """None without property weights; an error if the corpus lacks what they name."""
        if not config.property_weights:
            return None
        names = tuple(config.property_weights)
        if corpus.property_names != names:
            raise ValueError(
                f"property_weights name {list(names)} but the corpus carries "
                f"{list(corpus.property_names)}: build it with "
                f"Corpus.from_compositions(..., properties={list(names)})"
            )
        train_values = corpus.properties[train_formulas]
        present = (~np.isnan(train_values)).sum(axis=0)
        if (present < 2).any():
            empty = [n for n, c in zip(names, present, strict=True) if c < 2]
            raise ValueError(f"fewer than two training formulas carry {empty}")
        means = np.nanmean(train_values, axis=0)
        scales = np.nanstd(train_values, axis=0)
        scales = np.where(scales > 0, scales, 1.0)
        weights = np.array([float(config.property_weights[n]) for n in names])
        standardised = ((corpus.properties - means) / scales).astype(np.float32)
        return cls(names, weights, means, scales, standardised)

    def arrays(self, corpus: Corpus, first: np.ndarray, second: np.ndarray):
        """Pools (samples, 2, length) and standardised targets (samples, 2, properties)."""
        values = np.stack([self.standardised[first], self.standardised[second]], axis=1)
        return corpus.formula_pools(first, second), values

    def tensors(self, pools, values, device, mine=None) -> PropertyBatch:
        """What :func:`batch_losses` takes; the counts of targets present are over all
        ``values`` (the global batch), the pools and targets only this process's share."""
        present = torch.from_numpy((~np.isnan(values)).sum(axis=(0, 1)).astype(np.float64))
        if mine is not None:
            pools, values = pools[mine], values[mine]
        weights = torch.from_numpy(self.weights)
        return PropertyBatch(
            pools=torch.from_numpy(np.ascontiguousarray(pools)).to(device),
            values=torch.from_numpy(np.ascontiguousarray(values)).to(device),
            present=present.to(device).float(),
            weights=weights.to(device).float(),
        )

    def batch(self, corpus, first, second, device, mine=None) -> PropertyBatch:
        return self.tensors(*self.arrays(corpus, first, second), device, mine)

    def maes(self, errors, present, prefix: str) -> dict:
        """Mean absolute errors in each property's own units."""
        errors, present = np.asarray(errors, dtype=float), np.asarray(present, dtype=float)
        mae = errors / np.maximum(present, 1) * self.scales
        return {f"{prefix}{n}": float(m) for n, m in zip(self.names, mae, strict=True)}
