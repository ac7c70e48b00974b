"""An epoch's numbers: running sums of the training losses on the device (read once per
logging interval), and the validation metrics."""

from __future__ import annotations

import time

import numpy as np
import torch

from atomdl.pretraining.batches import ValidationSet, batch_tensors
from atomdl.pretraining.devices import summed_over_ranks
from atomdl.pretraining.losses import Losses, NonFiniteLossError, PropertyTargets, batch_losses
from atomdl.pretraining.samples import IGNORE

__all__ = ["EpochSums", "evaluate"]


class EpochSums:
    """On the device: masked-atom loss x samples, pair loss x samples, atoms right, pairs
    right; property loss x samples and, per property, absolute errors (standardised) and
    targets present."""

    def __init__(self, device: torch.device, targets: PropertyTargets | None):
        self.targets = targets
        self.k = 0 if targets is None else len(targets.names)
        self.sums = torch.zeros(4, dtype=torch.float64, device=device)
        self.property_sums = torch.zeros(1 + 2 * self.k, dtype=torch.float64, device=device)
        self.finite = torch.ones((), dtype=torch.bool, device=device)
        self.n_samples = self.n_atoms = 0

    def add_properties(self, losses: Losses, n: int) -> None:
        terms = losses.properties
        if terms is not None:
            self.property_sums += torch.cat(
                [terms.loss.detach().double()[None] * n, terms.absolute_errors, terms.present]
            )

    def check_finite(self, loss, losses: Losses, epoch: int, step: int, now: bool) -> None:
        """Raise for a non-finite loss; ``now``: read the device (else only remember)."""
        if not now:
            self.finite &= torch.isfinite(loss)
        elif not bool(self.finite & torch.isfinite(loss)):
            raise NonFiniteLossError(
                f"epoch {epoch}, batch {step + 1}: loss is {loss.item()} (masked-atom "
                f"{losses.masked_atom.item()}, pair {losses.pair.item()}) or was not finite "
                "since the last check; try a lower learning rate. Nothing was written for this "
                "epoch."
            )

    def add(self, losses: Losses, n: int, n_masked: int) -> None:
        self.n_samples += n
        self.n_atoms += n_masked
        self.sums += torch.stack([
            losses.masked_atom.detach().double() * n, losses.pair.detach().double() * n,
            losses.atoms_right, losses.pairs_right,
        ])  # fmt: skip

    def show(self, bar, started: float) -> None:
        """The running means on the progress bar (the one read of the interval); every rank
        calls it, since the sums are added over the ranks, and ``bar`` is None but on rank 0."""
        values = summed_over_ranks(self.sums).tolist()
        if bar is None:
            return
        rate = self.n_samples / (time.perf_counter() - started)
        bar.set_postfix(
            loss=f"{values[0] / self.n_samples + values[1] / self.n_samples:.3f}",
            atom_acc=f"{values[2] / max(self.n_atoms, 1):.3f}",
            pair_acc=f"{values[3] / self.n_samples:.3f}",
            samples_s=f"{rate:,.0f}",
            refresh=False,
        )

    def metrics(self, started: float) -> dict:
        values = summed_over_ranks(self.sums).tolist()
        seconds = time.perf_counter() - started
        n_samples = self.n_samples
        metrics = {
            "loss_lm": values[0] / n_samples,
            "loss_label": values[1] / n_samples,
            "atom_accuracy": values[2] / max(self.n_atoms, 1),
            "pair_accuracy": values[3] / n_samples,
            "samples_per_second": n_samples / seconds,
            "epoch_seconds": seconds,
        }
        if self.targets is not None:
            totals = summed_over_ranks(self.property_sums).tolist()
            metrics["loss_property"] = totals[0] / n_samples
            k = self.k
            metrics.update(self.targets.maes(totals[1 : 1 + k], totals[1 + k :], prefix="mae_"))
        return metrics


@torch.no_grad()
def evaluate(model, validation: ValidationSet, device, targets=None, chunk: int = 1024) -> dict:
    """Every rank evaluates the whole validation set (the same numbers on each)."""
    model.eval()
    # masked-atom loss x atoms, pair loss x samples, atoms right, pairs right
    sums = torch.zeros(4, dtype=torch.float64, device=device)
    k = 0 if targets is None else len(targets.names)
    # per property: Huber loss sum, absolute errors (standardised), targets present
    property_sums = torch.zeros(3 * k, dtype=torch.float64, device=device)
    n, n_atoms = len(validation), int((validation.labels != IGNORE).sum())
    for start in range(0, n, chunk):
        part = validation.part(start, start + chunk)
        n_masked, n_part = int((part.labels != IGNORE).sum()), len(part)
        batch = batch_tensors(
            device, part.inputs, part.segments, part.labels, part.pair_labels, n_masked, n_part
        )
        on_batch = None if targets is None else targets.tensors(part.pools, part.values, device)
        losses = batch_losses(model, device, batch, on_batch)
        sums += torch.stack([
            losses.masked_atom.double() * n_masked, losses.pair.double() * n_part,
            losses.atoms_right, losses.pairs_right,
        ])  # fmt: skip
        if losses.properties is not None:
            terms = losses.properties
            property_sums += torch.cat([terms.huber, terms.absolute_errors, terms.present])
    return _validation_metrics(sums.tolist(), property_sums, n, n_atoms, targets)


def _validation_metrics(values, property_sums, n: int, n_atoms: int, targets) -> dict:
    metrics = {
        "val_loss_lm": values[0] / max(n_atoms, 1),
        "val_loss_label": values[1] / n,
        "val_atom_accuracy": values[2] / max(n_atoms, 1),
        "val_pair_accuracy": values[3] / n,
    }
    if targets is not None:
        huber, errors, present = np.split(np.asarray(property_sums.tolist()), 3)
        per_property = huber / np.maximum(present, 1)
        metrics["val_loss_property"] = float((targets.weights * per_property).sum())
        named = zip(targets.names, per_property, strict=True)
        metrics.update({f"val_loss_{n}": float(v) for n, v in named})
        metrics.update(targets.maes(errors, present, prefix="val_mae_"))
    return metrics
