"""Training loop of the atom encoder: seeded, resumable, and honest about its numbers.

* Every epoch's pairs, masks, batch order and dropout come from ``(seed, epoch)``; a checkpoint
  after each epoch holds the model, optimiser and schedule, so an interrupted run resumes from
  its last complete epoch and, on CPU, ends bit for bit where an uninterrupted run would.
* A non-finite loss stops training with :class:`NonFiniteLossError` before anything is written.
* Device: CUDA when available (bf16 autocast), else CPU. Nothing inside a step waits for the
  device: running sums stay on it and are read once per logging interval;
  ``TrainingConfig.compile`` adds ``torch.compile`` (CUDA graphs on a GPU).
* Data-parallel (PyTorch DDP) when ``torch.distributed`` is initialised, e.g. under ``torchrun``
  (``python -m atomdl.pretraining``): ``batch_size`` is the global batch, each of N processes
  takes its share of every batch, the losses are normalised by the global batch, so N processes
  take the steps that one process would (equal to float tolerance without dropout). Every rank
  draws the same pairs and masks; only rank 0 writes checkpoints and calls ``on_epoch_end``.
* Property-aware (``TrainingConfig.property_weights``): a third loss (:mod:`.losses`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from atomdl.pretraining.batches import batch_tensors, length_bucketed_batches, validation_set
from atomdl.pretraining.checkpoint import (
    checkpoint_path,
    fingerprint,
    resume,
    save_atomically,
    training_state,
)
from atomdl.pretraining.config import EncoderConfig, TrainingConfig
from atomdl.pretraining.devices import pick_device, world
from atomdl.pretraining.losses import NonFiniteLossError, PropertyTargets, batch_losses
from atomdl.pretraining.metrics import EpochSums, evaluate
from atomdl.pretraining.model import AtomEncoder
from atomdl.pretraining.samples import IGNORE, Corpus, mask_tokens

__all__ = ["NonFiniteLossError", "TrainingConfig", "TrainingResult", "train"]

logger = logging.getLogger(__name__)
_VALIDATION_STREAM = 10**9  # generator stream of the validation split and samples
#: Training steps between reads of the running sums (progress bar) and, on a GPU, between
#: checks that the loss is finite; on CPU every step is checked (it costs nothing there).
_LOG_INTERVAL = 20


@dataclass
class TrainingResult:
    model: AtomEncoder
    history: pd.DataFrame
    device: str
    resumed_from_epoch: int = 0
    seconds: float = 0.0
    processes: int = 1  # data-parallel processes that trained it
    checkpoint: str | None = None  # the finished run's checkpoint, when kept


class _WarmupThenLinearDecay:
    """Learning-rate factor: linear warm-up to 1, then linear decay to 0 at the last step."""

    def __init__(self, warmup: int, total: int):
        self.warmup, self.total = warmup, total

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / self.warmup
        return max(0.0, (self.total - step) / max(self.total - self.warmup, 1))


@dataclass
class _Run:
    """What every epoch of one training run works with."""

    model: AtomEncoder
    stepper: torch.nn.Module  # what a step calls: the model, wrapped for DDP / compiled
    optimiser: torch.optim.Optimizer
    schedule: torch.optim.lr_scheduler.LambdaLR
    train_formulas: np.ndarray
    validation: object
    targets: PropertyTargets | None
    fingerprint: str
    device: torch.device
    world: int
    rank: int


def _stepper(model: AtomEncoder, config: TrainingConfig, device: torch.device, world: int):
    """What a training step calls: the model, wrapped for DDP and compiled when asked."""
    stepper = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        ids = [device.index] if device.type == "cuda" else None
        stepper = DistributedDataParallel(model, device_ids=ids)
    if config.compile:
        stepper = torch.compile(stepper, mode="reduce-overhead")
    return stepper


def _prepare(corpus: Corpus, encoder_config: EncoderConfig, config: TrainingConfig) -> _Run:
    """Split, model, optimiser, schedule and validation set, in the order of their draws."""
    n_world, rank = world()
    device = pick_device(config.device, rank)
    split = np.random.default_rng([config.seed, _VALIDATION_STREAM])
    order = split.permutation(len(corpus))
    n_validation = max(2, int(round(config.validation_fraction * len(corpus))))
    validation_formulas, train_formulas = order[:n_validation], order[n_validation:]
    targets = PropertyTargets.of(corpus, config, train_formulas)
    if targets is not None:
        encoder_config = replace(
            encoder_config,
            properties=targets.names,
            property_means=tuple(targets.means.tolist()),
            property_scales=tuple(targets.scales.tolist()),
        )
    torch.manual_seed(config.seed)
    model = AtomEncoder(encoder_config, corpus.vocabulary_tokens).to(device)
    stepper = _stepper(model, config, device, n_world)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    total_steps = math.ceil(len(train_formulas) / config.batch_size) * config.epochs
    warmup = max(1, int(config.warmup_fraction * total_steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, _WarmupThenLinearDecay(warmup, total_steps)
    )
    validation = validation_set(corpus, validation_formulas, split, targets)
    return _Run(
        model, stepper, optimiser, schedule, train_formulas, validation, targets,
        fingerprint(corpus, encoder_config, config), device, n_world, rank,
    )  # fmt: skip


def train(
    corpus: Corpus,
    encoder_config: EncoderConfig,
    config: TrainingConfig,
    checkpoint_dir: str | Path | None = None,
    on_epoch_end: Callable[[dict], None] | None = None,
    progress: bool = True,
    keep_checkpoint: bool = False,
) -> TrainingResult:
    """Pretrain an :class:`AtomEncoder` on ``corpus``; see the module docstring.

    With ``checkpoint_dir``, the state after every epoch is written there, in a file named by a
    hash of the data and settings; a run with the same data and settings resumes from it. The
    checkpoint is removed after a complete run unless ``keep_checkpoint``: a caller that still has
    to save the results keeps it (``result.checkpoint``) and removes it once they are saved, so
    that an interruption while saving costs no retraining (a rerun finds the last epoch done).
    """
    run = _prepare(corpus, encoder_config, config)
    path = checkpoint_path(checkpoint_dir, run.fingerprint)
    history, start_epoch = resume(path, run.model, run.optimiser, run.schedule, run.device)
    report = on_epoch_end if run.rank == 0 else None
    for metrics in history if report is not None else ():
        report(dict(metrics))  # a new tracking run gets the whole curve
    started = time.perf_counter()
    for epoch in range(start_epoch + 1, config.epochs + 1):
        metrics = _train_epoch(run, corpus, config, epoch, progress)
        metrics.update(evaluate(run.model, run.validation, run.device, run.targets))
        metrics["epoch"] = epoch
        metrics["learning_rate"] = run.schedule.get_last_lr()[0]
        history.append(metrics)
        _log_epoch(metrics, config.epochs, run)
        if path is not None and run.rank == 0:
            state = training_state(
                run.fingerprint, epoch, run.model, run.optimiser, run.schedule, history
            )
            save_atomically(state, path)
        if run.world > 1:
            torch.distributed.barrier()  # the checkpoint is written before any rank goes on
        if report is not None:
            report(dict(metrics))
    if path is not None and not keep_checkpoint and run.rank == 0:
        path.unlink(missing_ok=True)
    run.model.eval()
    return TrainingResult(
        model=run.model.cpu(),
        history=pd.DataFrame(history),
        device=run.device.type,
        resumed_from_epoch=start_epoch,
        seconds=time.perf_counter() - started,
        processes=run.world,
        checkpoint=str(path) if path is not None and keep_checkpoint else None,
    )


def _train_epoch(run: _Run, corpus: Corpus, config: TrainingConfig, epoch: int, progress):
    rng = np.random.default_rng([config.seed, epoch])
    torch.manual_seed(config.seed * 1_000_003 + epoch + 7919 * run.rank)  # dropout: own per rank
    run.stepper.train()
    pairs = corpus.pairs(rng, run.train_formulas)
    batches = length_bucketed_batches(corpus, pairs, config, rng)
    sums = EpochSums(run.device, run.targets)
    started = time.perf_counter()
    # every rank reads the sums at the interval (a collective), rank 0 alone shows them
    bar = _progress(batches, epoch, config.epochs, progress and run.rank == 0)
    for step, batch in enumerate(bar):
        # every rank masks the whole global batch (same generator), then takes its share
        tokens, segments = corpus.sequences(pairs.first[batch], pairs.second[batch])
        inputs, labels = mask_tokens(tokens, corpus.element_ids, rng)
        n, n_masked = len(batch), int((labels != IGNORE).sum())
        mine = np.array_split(np.arange(n), run.world)[run.rank]
        tensors = batch_tensors(run.device, inputs[mine], segments[mine], labels[mine],
                                pairs.label[batch][mine], n_masked, n)  # fmt: skip
        on_batch = None
        if run.targets is not None:
            on_batch = run.targets.batch(
                corpus, pairs.first[batch], pairs.second[batch], run.device, mine
            )
        losses = batch_losses(run.stepper, run.device, tensors, on_batch)
        loss = losses.total
        sums.add_properties(losses, n)
        checked = run.device.type == "cpu" or (step + 1) % _LOG_INTERVAL == 0
        sums.check_finite(loss, losses, epoch, step, checked or step + 1 == len(batches))
        _optimise(run, loss, config.max_grad_norm)
        sums.add(losses, n, n_masked)
        if progress and step % _LOG_INTERVAL == 0:
            sums.show(bar if run.rank == 0 else None, started)
    return sums.metrics(started)


def _optimise(run: _Run, loss: torch.Tensor, max_grad_norm: float) -> None:
    run.optimiser.zero_grad(set_to_none=True)
    (loss * run.world).backward()  # DDP averages the ranks' gradients: world x mean = sum
    torch.nn.utils.clip_grad_norm_(run.stepper.parameters(), max_grad_norm)
    run.optimiser.step()
    run.schedule.step()


def _log_epoch(metrics: dict, epochs: int, run: _Run) -> None:
    log = logger.info if run.rank == 0 else logger.debug
    log(
        "epoch %d/%d: loss %.4f + %.4f, atom accuracy %.3f (validation %.3f), pair accuracy "
        "%.3f (validation %.3f), %.0f samples/s",
        metrics["epoch"], epochs, metrics["loss_lm"], metrics["loss_label"],
        metrics["atom_accuracy"], metrics["val_atom_accuracy"], metrics["pair_accuracy"],
        metrics["val_pair_accuracy"], metrics["samples_per_second"],
    )  # fmt: skip
    if run.targets is not None:
        log(
            "epoch %d/%d: property loss %.4f (validation %.4f); validation MAE %s",
            metrics["epoch"], epochs, metrics["loss_property"], metrics["val_loss_property"],
            ", ".join(f"{n} {metrics[f'val_mae_{n}']:.4g}" for n in run.targets.names),
        )  # fmt: skip


def _progress(batches, epoch, epochs, enabled):
    if not enabled:
        return batches
    from tqdm.auto import tqdm

    return tqdm(batches, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False)
