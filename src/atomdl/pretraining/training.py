"""Training loop of the atom encoder: seeded, resumable, and honest about its numbers.

* Every epoch's pairs, masks, batch order and dropout come from ``(seed, epoch)``; a checkpoint
  after each epoch holds the model, optimiser and schedule, so an interrupted run resumes from
  its last complete epoch and, on CPU, ends bit for bit where an uninterrupted run would.
* Batches are formed from length-sorted chunks of the shuffled samples (then shuffled), so
  little is spent on padding.
* A non-finite loss stops training with :class:`NonFiniteLossError` before anything is written.
* Device: CUDA when available (bf16 autocast), else CPU. Nothing inside a step waits for the
  device: running sums stay on it and are read once per logging interval, masked positions go
  to it as indices computed on the host, batches are copied from pinned memory without blocking;
  ``TrainingConfig.compile`` adds ``torch.compile`` (CUDA graphs on a GPU).
* Data-parallel (PyTorch DDP) when ``torch.distributed`` is initialised, e.g. under ``torchrun``
  (``python -m atomdl.pretraining``): ``batch_size`` is the global batch, each of N processes
  takes its share of every batch, the losses are normalised by the global batch, so N processes
  take the steps that one process would (equal to float tolerance without dropout). Every rank
  draws the same pairs and masks; only rank 0 writes checkpoints and calls ``on_epoch_end``.
* Property-aware (``TrainingConfig.property_weights``): a third loss, the weighted sum over
  the corpus's properties of a Huber loss (delta 1 standard deviation: OQMD's formation
  enthalpies run to 43 eV/atom) between the property heads' predictions for both formulas of
  every sample and the standardised targets. Means and scales come from the training formulas
  only; a formula missing a target adds nothing to that property's loss, which is a mean over
  the targets present in the batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from atomdl.pretraining.encoder import AtomEncoder, EncoderConfig
from atomdl.pretraining.samples import IGNORE, Corpus, mask_tokens

__all__ = [
    "NonFiniteLossError",
    "TrainingConfig",
    "TrainingResult",
    "pick_device",
    "subsample",
    "train",
]

logger = logging.getLogger(__name__)
_VALIDATION_STREAM = 10**9  # generator stream of the validation split and samples


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss; nothing was written for that epoch."""


@dataclass(frozen=True)
class TrainingConfig:
    epochs: int = 80
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05
    max_grad_norm: float = 1.0
    validation_fraction: float = 0.02
    bucket_batches: int = 50  # batches per length-sorted chunk
    seed: int = 0
    device: str = "auto"
    compile: bool = False  # torch.compile(mode="reduce-overhead"): CUDA graphs on a GPU
    #: property-aware pretraining: loss weight of each property the corpus carries (the
    #: corpus must be built with exactly these, in this order); empty: the paper's two losses
    property_weights: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


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


def subsample(compositions: pd.DataFrame, limit: int | None, seed: int) -> pd.DataFrame:
    """The whole corpus, or a seeded random subset of ``limit`` formulas in corpus order."""
    if limit is None or limit >= len(compositions):
        return compositions
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(compositions), size=int(limit), replace=False))
    return compositions.iloc[rows].reset_index(drop=True)


def pick_device(requested: str = "auto", rank: int = 0) -> torch.device:
    """CUDA when available (a data-parallel run's process takes the GPU of its local rank)."""
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and torch.distributed.is_initialized():
        local = int(os.environ.get("LOCAL_RANK", rank))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return torch.device(requested)


def _world() -> tuple[int, int]:
    """(processes, this process's rank) of an initialised process group, else (1, 0)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_world_size(), torch.distributed.get_rank()
    return 1, 0


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
    world, rank = _world()
    device = pick_device(config.device, rank)
    split = np.random.default_rng([config.seed, _VALIDATION_STREAM])
    order = split.permutation(len(corpus))
    n_validation = max(2, int(round(config.validation_fraction * len(corpus))))
    validation_formulas, train_formulas = order[:n_validation], order[n_validation:]
    targets = _PropertyTargets.of(corpus, config, train_formulas)
    if targets is not None:
        encoder_config = replace(
            encoder_config,
            properties=targets.names,
            property_means=tuple(targets.means.tolist()),
            property_scales=tuple(targets.scales.tolist()),
        )
    torch.manual_seed(config.seed)
    model = AtomEncoder(encoder_config, corpus.vocabulary_tokens).to(device)
    stepper = _stepper(model, config, device, world)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    steps_per_epoch = math.ceil(len(train_formulas) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    warmup = max(1, int(config.warmup_fraction * total_steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, _WarmupThenLinearDecay(warmup, total_steps)
    )
    validation = _validation_batch(corpus, validation_formulas, split, targets)

    fingerprint = _fingerprint(corpus, encoder_config, config)
    history: list[dict] = []
    start_epoch = 0
    checkpoint_path = Path(checkpoint_dir) / f"{fingerprint[:16]}.pt" if checkpoint_dir else None
    if checkpoint_path is not None and checkpoint_path.exists():
        state = torch.load(checkpoint_path, map_location=device, weights_only=False)
        saved = state["model"]  # the encoder (its stored form); older checkpoints: weights only
        model.load_state_dict(saved.state_dict() if isinstance(saved, AtomEncoder) else saved)
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        history, start_epoch = state["history"], state["epoch"]
        logger.info("Resuming from %s after epoch %d", checkpoint_path, start_epoch)
        if on_epoch_end is not None and rank == 0:
            for metrics in history:  # a new tracking run gets the whole curve
                on_epoch_end(dict(metrics))

    started = time.perf_counter()
    for epoch in range(start_epoch + 1, config.epochs + 1):
        metrics = _train_epoch(
            stepper, optimiser, schedule, corpus, train_formulas, config, epoch, device,
            progress and rank == 0, targets,
        )  # fmt: skip
        metrics.update(_evaluate(model, validation, device, targets))
        metrics["epoch"] = epoch
        metrics["learning_rate"] = schedule.get_last_lr()[0]
        history.append(metrics)
        (logger.info if rank == 0 else logger.debug)(
            "epoch %d/%d: loss %.4f + %.4f, atom accuracy %.3f (validation %.3f), pair accuracy "
            "%.3f (validation %.3f), %.0f samples/s",
            epoch,
            config.epochs,
            metrics["loss_lm"],
            metrics["loss_label"],
            metrics["atom_accuracy"],
            metrics["val_atom_accuracy"],
            metrics["pair_accuracy"],
            metrics["val_pair_accuracy"],
            metrics["samples_per_second"],
        )
        if targets is not None:
            (logger.info if rank == 0 else logger.debug)(
                "epoch %d/%d: property loss %.4f (validation %.4f); validation MAE %s",
                epoch,
                config.epochs,
                metrics["loss_property"],
                metrics["val_loss_property"],
                ", ".join(f"{n} {metrics[f'val_mae_{n}']:.4g}" for n in targets.names),
            )
        if checkpoint_path is not None and rank == 0:
            _save_atomically(
                {
                    "fingerprint": fingerprint,
                    "epoch": epoch,
                    "model": model,  # pickled as the encoder's stored form
                    "optimiser": optimiser.state_dict(),
                    "schedule": schedule.state_dict(),
                    "history": history,
                },
                checkpoint_path,
            )
        if world > 1:
            torch.distributed.barrier()  # the checkpoint is written before any rank goes on
        if on_epoch_end is not None and rank == 0:
            on_epoch_end(dict(metrics))
    if checkpoint_path is not None and not keep_checkpoint and rank == 0:
        checkpoint_path.unlink(missing_ok=True)
    model.eval()
    return TrainingResult(
        model=model.cpu(),
        history=pd.DataFrame(history),
        device=device.type,
        resumed_from_epoch=start_epoch,
        seconds=time.perf_counter() - started,
        processes=world,
        checkpoint=str(checkpoint_path)
        if checkpoint_path is not None and keep_checkpoint
        else None,
    )


#: Training steps between reads of the running sums (progress bar) and, on a GPU, between
#: checks that the loss is finite; on CPU every step is checked (it costs nothing there).
_LOG_INTERVAL = 20


def _train_epoch(
    stepper, optimiser, schedule, corpus, formulas, config, epoch, device, progress, targets=None
):
    world, rank = _world()
    rng = np.random.default_rng([config.seed, epoch])
    torch.manual_seed(config.seed * 1_000_003 + epoch + 7919 * rank)  # dropout: own per rank
    stepper.train()
    pairs = corpus.pairs(rng, formulas)
    batches = _length_bucketed_batches(corpus, pairs, config, rng)
    # on the device: masked-atom loss x samples, pair loss x samples, atoms right, pairs right
    sums = torch.zeros(4, dtype=torch.float64, device=device)
    # property loss x samples; per property: absolute errors (standardised), targets present
    k = 0 if targets is None else len(targets.names)
    property_sums = torch.zeros(1 + 2 * k, dtype=torch.float64, device=device)
    finite = torch.ones((), dtype=torch.bool, device=device)
    n_samples = n_atoms = 0
    started = time.perf_counter()
    bar = _progress(batches, epoch, config.epochs, progress)
    for step, batch in enumerate(bar):
        # every rank masks the whole global batch (same generator), then takes its share
        tokens, segments = corpus.sequences(pairs.first[batch], pairs.second[batch])
        inputs, labels = mask_tokens(tokens, corpus.element_ids, rng)
        n, n_masked = len(batch), int((labels != IGNORE).sum())
        mine = np.array_split(np.arange(n), world)[rank]
        tensors = _batch_tensors(device, inputs[mine], segments[mine], labels[mine],
                                 pairs.label[batch][mine])  # fmt: skip
        on_batch = None
        if targets is not None:
            on_batch = targets.batch(corpus, pairs.first[batch], pairs.second[batch], device, mine)
        loss_lm, loss_label, right, properties = _losses(
            stepper, device, *tensors, n_masked, n, on_batch
        )
        loss = loss_lm + loss_label
        if properties is not None:
            loss = loss + properties[0]
            property_sums += torch.cat(
                [properties[0].detach().double()[None] * n, properties[1], properties[2]]
            )
        if device.type == "cpu" or (step + 1) % _LOG_INTERVAL == 0 or step + 1 == len(batches):
            if not bool(finite & torch.isfinite(loss)):
                raise NonFiniteLossError(
                    f"epoch {epoch}, batch {step + 1}: loss is {loss.item()} (masked-atom "
                    f"{loss_lm.item()}, pair {loss_label.item()}) or was not finite since the "
                    "last check; try a lower learning rate. Nothing was written for this epoch."
                )
        else:
            finite &= torch.isfinite(loss)
        optimiser.zero_grad(set_to_none=True)
        (loss * world).backward()  # DDP averages the ranks' gradients: world x mean = sum
        torch.nn.utils.clip_grad_norm_(stepper.parameters(), config.max_grad_norm)
        optimiser.step()
        schedule.step()
        n_samples += n
        n_atoms += n_masked
        sums += torch.stack(
            [loss_lm.detach().double() * n, loss_label.detach().double() * n, *right]
        )
        if progress and step % _LOG_INTERVAL == 0:
            values = _global(sums).tolist()  # the one read of the interval
            rate = n_samples / (time.perf_counter() - started)
            bar.set_postfix(
                loss=f"{values[0] / n_samples + values[1] / n_samples:.3f}",
                atom_acc=f"{values[2] / max(n_atoms, 1):.3f}",
                pair_acc=f"{values[3] / n_samples:.3f}",
                samples_s=f"{rate:,.0f}",
                refresh=False,
            )
    values = _global(sums).tolist()
    seconds = time.perf_counter() - started
    metrics = {
        "loss_lm": values[0] / n_samples,
        "loss_label": values[1] / n_samples,
        "atom_accuracy": values[2] / max(n_atoms, 1),
        "pair_accuracy": values[3] / n_samples,
        "samples_per_second": n_samples / seconds,
        "epoch_seconds": seconds,
    }
    if targets is not None:
        totals = _global(property_sums).tolist()
        metrics["loss_property"] = totals[0] / n_samples
        metrics.update(targets.maes(totals[1 : 1 + k], totals[1 + k :], prefix="mae_"))
    return metrics


def _global(sums: torch.Tensor) -> torch.Tensor:
    """Per-rank sums added over the ranks (losses are per-rank shares of the global mean)."""
    if _world()[0] > 1:
        sums = sums.clone()
        torch.distributed.all_reduce(sums)
    return sums


@torch.no_grad()
def _evaluate(model, validation, device, targets=None, chunk: int = 1024) -> dict:
    """Every rank evaluates the whole validation set (the same numbers on each)."""
    model.eval()
    # masked-atom loss x atoms, pair loss x samples, atoms right, pairs right
    sums = torch.zeros(4, dtype=torch.float64, device=device)
    k = 0 if targets is None else len(targets.names)
    # per property: Huber loss sum, absolute errors (standardised), targets present
    property_sums = torch.zeros(3 * k, dtype=torch.float64, device=device)
    n, n_atoms = len(validation[0]), int((validation[2] != IGNORE).sum())
    for start in range(0, n, chunk):
        inputs, segments, labels, pair_labels = (a[start : start + chunk] for a in validation[:4])
        n_masked, n_part = int((labels != IGNORE).sum()), len(inputs)
        tensors = _batch_tensors(device, inputs, segments, labels, pair_labels)
        on_batch = None
        if targets is not None:
            pools, values = (a[start : start + chunk] for a in validation[4:])
            on_batch = targets.tensors(pools, values, device)
        loss_lm, loss_label, right, properties = _losses(
            model, device, *tensors, n_masked, n_part, on_batch
        )
        sums += torch.stack([loss_lm.double() * n_masked, loss_label.double() * n_part, *right])
        if properties is not None:
            property_sums += torch.cat([properties[3], properties[1], properties[2]])
    values = sums.tolist()
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


def _losses(
    model, device, inputs, segments, atom_labels, pair_labels, atom_index, n_atoms, n,
    properties=None,
):  # fmt: skip
    """The losses as this process's share of the means over ``n_atoms`` masked atoms and ``n``
    samples (the global batch), and the counts behind both accuracies, all on the device.
    Atom logits only at the masked positions (``atom_index``, flat), the only places the
    masked-atom loss looks at.

    ``properties`` (from :class:`_PropertyTargets`): the pools, standardised targets (NaN:
    missing), the global count of targets present per property and the weights; then the
    fourth value is (weighted property loss, absolute errors, targets present, Huber sums), the
    last three per property, else None.
    """
    with _autocast(device):
        if properties is None:
            atom_logits, pair_logits = model(inputs, segments, atom_positions=atom_index)
        else:
            atom_logits, pair_logits, predicted = model(
                inputs, segments, atom_positions=atom_index, formula_pools=properties[0]
            )
    atom_logits, pair_logits = atom_logits.float(), pair_logits.float()
    loss_lm = F.cross_entropy(atom_logits, atom_labels, reduction="sum") / max(n_atoms, 1)
    loss_label = F.cross_entropy(pair_logits, pair_labels, reduction="sum") / n
    atoms_right = (atom_logits.argmax(-1) == atom_labels).sum()
    pairs_right = (pair_logits.argmax(-1) == pair_labels).sum()
    property_terms = None
    if properties is not None:
        _, values, present, weights = properties
        known = ~torch.isnan(values)
        # a missing target: residual 0, so no loss and no gradient from it
        residual = torch.where(known, predicted.float() - torch.nan_to_num(values), 0.0)
        huber = F.huber_loss(residual, torch.zeros_like(residual), reduction="none", delta=1.0)
        huber = huber.sum(dim=(0, 1))
        loss_property = (weights * huber / present.clamp(min=1)).sum()
        property_terms = (
            loss_property,
            residual.detach().abs().sum(dim=(0, 1)).double(),
            known.sum(dim=(0, 1)).double(),
            huber.detach().double(),
        )
    return loss_lm, loss_label, (atoms_right.double(), pairs_right.double()), property_terms


class _PropertyTargets:
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

    def tensors(self, pools, values, device, mine=None):
        """What :func:`_losses` takes; the counts of targets present are over all ``values``
        (the global batch), the pools and targets only this process's share (``mine``)."""
        present = torch.from_numpy((~np.isnan(values)).sum(axis=(0, 1)).astype(np.float64))
        if mine is not None:
            pools, values = pools[mine], values[mine]
        weights = torch.from_numpy(self.weights)
        return (
            torch.from_numpy(np.ascontiguousarray(pools)).to(device),
            torch.from_numpy(np.ascontiguousarray(values)).to(device),
            present.to(device).float(),
            weights.to(device).float(),
        )

    def batch(self, corpus, first, second, device, mine=None):
        return self.tensors(*self.arrays(corpus, first, second), device, mine)

    def maes(self, errors, present, prefix: str) -> dict:
        """Mean absolute errors in each property's own units."""
        errors, present = np.asarray(errors, dtype=float), np.asarray(present, dtype=float)
        mae = errors / np.maximum(present, 1) * self.scales
        return {f"{prefix}{n}": float(m) for n, m in zip(self.names, mae, strict=True)}


def _validation_batch(corpus: Corpus, formulas: np.ndarray, rng: np.random.Generator, targets=None):
    pairs = corpus.pairs(rng, formulas)
    tokens, segments = corpus.sequences(pairs.first, pairs.second)
    inputs, labels = mask_tokens(tokens, corpus.element_ids, rng)
    if targets is None:
        return inputs, segments, labels, pairs.label
    pools, values = targets.arrays(corpus, pairs.first, pairs.second)
    return inputs, segments, labels, pairs.label, pools, values


def _length_bucketed_batches(corpus, pairs, config, rng) -> list[np.ndarray]:
    lengths = corpus.lengths[pairs.first] + corpus.lengths[pairs.second]
    order = rng.permutation(len(lengths))
    chunk = config.batch_size * config.bucket_batches
    batches = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches += [part[i : i + config.batch_size] for i in range(0, len(part), config.batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _batch_tensors(device, inputs, segments, labels, pair_labels) -> tuple:
    """Inputs, segments, the labels of the masked atoms, pair labels and the masked positions
    (flat indices into batch x length) on the device. The positions are found on the host:
    a boolean index on the device would make the host wait for its count."""
    positions = np.flatnonzero(labels.ravel() != IGNORE)
    arrays = (inputs, segments, labels.ravel()[positions], pair_labels, positions)
    return tuple(_to_device(device, a) for a in arrays)


def _to_device(device, array) -> torch.Tensor:
    tensor = torch.from_numpy(np.ascontiguousarray(array, dtype=np.int64))
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor


def _autocast(device):
    return torch.autocast(
        device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"
    )


def _progress(batches, epoch, epochs, enabled):
    if not enabled:
        return batches
    from tqdm.auto import tqdm

    return tqdm(batches, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False)


def _fingerprint(corpus: Corpus, encoder_config: EncoderConfig, config: TrainingConfig) -> str:
    settings = {**encoder_config.to_dict(), **config.to_dict()}
    settings.pop("device")
    for name in ("properties", "property_means", "property_scales", "property_weights"):
        if not settings[name]:  # the paper's runs keep the fingerprints they always had
            settings.pop(name)
    text = corpus.sha256() + json.dumps(settings, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _save_atomically(state: dict, path: Path) -> None:
    """Write to a temporary file, then rename: a crash never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)
