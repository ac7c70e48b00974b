"""Training loop of the atom encoder: seeded, resumable, and honest about its numbers.

* Every epoch's pairs, masks, batch order and dropout come from ``(seed, epoch)``; a checkpoint
  after each epoch holds the model, optimiser and schedule, so an interrupted run resumes from
  its last complete epoch and, on CPU, ends bit for bit where an uninterrupted run would.
* Batches are formed from length-sorted chunks of the shuffled samples (then shuffled), so
  little is spent on padding.
* A non-finite loss stops training with :class:`NonFiniteLossError` before anything is written.
* Device: CUDA when available (bf16 autocast), else CPU.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.nn import functional as F

from atomdl.pretraining.encoder import AtomEncoder, EncoderConfig
from atomdl.pretraining.samples import IGNORE, Corpus, mask_tokens

__all__ = ["NonFiniteLossError", "TrainingConfig", "TrainingResult", "pick_device", "train"]

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

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainingResult:
    model: AtomEncoder
    history: pd.DataFrame
    device: str
    resumed_from_epoch: int = 0
    seconds: float = 0.0


class _WarmupThenLinearDecay:
    """Learning-rate factor: linear warm-up to 1, then linear decay to 0 at the last step."""

    def __init__(self, warmup: int, total: int):
        self.warmup, self.total = warmup, total

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / self.warmup
        return max(0.0, (self.total - step) / max(self.total - self.warmup, 1))


def pick_device(requested: str = "auto") -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


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
    checkpoint is removed after a complete run unless ``keep_checkpoint``.
    """
    device = pick_device(config.device)
    torch.manual_seed(config.seed)
    model = AtomEncoder(encoder_config, corpus.vocabulary_tokens).to(device)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    split = np.random.default_rng([config.seed, _VALIDATION_STREAM])
    order = split.permutation(len(corpus))
    n_validation = max(2, int(round(config.validation_fraction * len(corpus))))
    validation_formulas, train_formulas = order[:n_validation], order[n_validation:]
    steps_per_epoch = math.ceil(len(train_formulas) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    warmup = max(1, int(config.warmup_fraction * total_steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, _WarmupThenLinearDecay(warmup, total_steps)
    )
    validation = _validation_batch(corpus, validation_formulas, split)

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
        if on_epoch_end is not None:
            for metrics in history:  # a new tracking run gets the whole curve
                on_epoch_end(dict(metrics))

    started = time.perf_counter()
    for epoch in range(start_epoch + 1, config.epochs + 1):
        metrics = _train_epoch(
            model, optimiser, schedule, corpus, train_formulas, config, epoch, device, progress
        )
        metrics.update(_evaluate(model, validation, device))
        metrics["epoch"] = epoch
        metrics["learning_rate"] = schedule.get_last_lr()[0]
        history.append(metrics)
        logger.info(
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
        if checkpoint_path is not None:
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
        if on_epoch_end is not None:
            on_epoch_end(dict(metrics))
    if checkpoint_path is not None and not keep_checkpoint:
        checkpoint_path.unlink(missing_ok=True)
    model.eval()
    return TrainingResult(
        model=model.cpu(),
        history=pd.DataFrame(history),
        device=device.type,
        resumed_from_epoch=start_epoch,
        seconds=time.perf_counter() - started,
    )


def _train_epoch(model, optimiser, schedule, corpus, formulas, config, epoch, device, progress):
    rng = np.random.default_rng([config.seed, epoch])
    torch.manual_seed(config.seed * 1_000_003 + epoch)
    model.train()
    pairs = corpus.pairs(rng, formulas)
    batches = _length_bucketed_batches(corpus, pairs, config, rng)
    sums = dict.fromkeys(("loss_lm", "loss_label", "atoms_right", "atoms", "pairs_right"), 0.0)
    n_samples = 0
    started = time.perf_counter()
    bar = _progress(batches, epoch, config.epochs, progress)
    for step, batch in enumerate(bar):
        tokens, segments = corpus.sequences(pairs.first[batch], pairs.second[batch])
        inputs, labels = mask_tokens(tokens, corpus.element_ids, rng)
        inputs, segments, labels, pair_labels = _to_device(
            device, inputs, segments, labels, pairs.label[batch]
        )
        loss_lm, loss_label, right = _losses(model, device, inputs, segments, labels, pair_labels)
        loss = loss_lm + loss_label
        if not torch.isfinite(loss):
            raise NonFiniteLossError(
                f"epoch {epoch}, batch {step + 1}: loss is {loss.item()} (masked-atom "
                f"{loss_lm.item()}, pair {loss_label.item()}); try a lower learning rate. "
                "Nothing was written for this epoch."
            )
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimiser.step()
        schedule.step()
        n = len(batch)
        n_samples += n
        sums["loss_lm"] += loss_lm.item() * n
        sums["loss_label"] += loss_label.item() * n
        sums["atoms_right"] += right[0]
        sums["atoms"] += right[1]
        sums["pairs_right"] += right[2]
        if progress and step % 20 == 0:
            rate = n_samples / (time.perf_counter() - started)
            bar.set_postfix(
                loss=f"{sums['loss_lm'] / n_samples + sums['loss_label'] / n_samples:.3f}",
                atom_acc=f"{sums['atoms_right'] / max(sums['atoms'], 1):.3f}",
                pair_acc=f"{sums['pairs_right'] / n_samples:.3f}",
                samples_s=f"{rate:,.0f}",
                refresh=False,
            )
    seconds = time.perf_counter() - started
    return {
        "loss_lm": sums["loss_lm"] / n_samples,
        "loss_label": sums["loss_label"] / n_samples,
        "atom_accuracy": sums["atoms_right"] / max(sums["atoms"], 1),
        "pair_accuracy": sums["pairs_right"] / n_samples,
        "samples_per_second": n_samples / seconds,
        "epoch_seconds": seconds,
    }


@torch.no_grad()
def _evaluate(model, validation, device, chunk: int = 1024) -> dict:
    model.eval()
    sums = np.zeros(
        5
    )  # masked-atom loss x atoms, pair loss x samples, atoms right, atoms, pairs right
    n = len(validation[0])
    for start in range(0, n, chunk):
        part = [a[start : start + chunk] for a in validation]
        inputs, segments, labels, pair_labels = _to_device(device, *part)
        loss_lm, loss_label, right = _losses(model, device, inputs, segments, labels, pair_labels)
        sums += [
            loss_lm.item() * right[1],
            loss_label.item() * len(pair_labels),
            *right[:2],
            right[2],
        ]
    return {
        "val_loss_lm": sums[0] / max(sums[3], 1),
        "val_loss_label": sums[1] / n,
        "val_atom_accuracy": sums[2] / max(sums[3], 1),
        "val_pair_accuracy": sums[4] / n,
    }


def _losses(model, device, inputs, segments, labels, pair_labels):
    """Both losses and the counts behind both accuracies; atom logits only where atoms are
    masked, the only places the masked-atom loss looks at."""
    masked = labels != IGNORE
    with _autocast(device):
        atom_logits, pair_logits = model(inputs, segments, atom_positions=masked)
    atom_logits, pair_logits, atom_labels = atom_logits.float(), pair_logits.float(), labels[masked]
    loss_lm = (
        F.cross_entropy(atom_logits, atom_labels) if len(atom_labels) else atom_logits.sum() * 0.0
    )
    loss_label = F.cross_entropy(pair_logits, pair_labels)
    atoms_right = (atom_logits.argmax(-1) == atom_labels).sum().item()
    pairs_right = (pair_logits.argmax(-1) == pair_labels).sum().item()
    return loss_lm, loss_label, (atoms_right, len(atom_labels), pairs_right)


def _validation_batch(corpus: Corpus, formulas: np.ndarray, rng: np.random.Generator):
    pairs = corpus.pairs(rng, formulas)
    tokens, segments = corpus.sequences(pairs.first, pairs.second)
    inputs, labels = mask_tokens(tokens, corpus.element_ids, rng)
    return inputs, segments, labels, pairs.label


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


def _to_device(device, *arrays):
    return tuple(torch.as_tensor(a, dtype=torch.long).to(device, non_blocking=True) for a in arrays)


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
    text = corpus.sha256() + json.dumps(settings, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _save_atomically(state: dict, path: Path) -> None:
    """Write to a temporary file, then rename: a crash never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)
