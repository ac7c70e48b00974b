"""Checkpoints of a training run: named by a fingerprint of data and settings, written
atomically after every epoch, and read back to resume from the last complete epoch."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import torch

from atomdl.pretraining.config import EncoderConfig, TrainingConfig
from atomdl.pretraining.model import AtomEncoder
from atomdl.pretraining.samples import Corpus

__all__ = ["checkpoint_path", "fingerprint", "resume", "save_atomically", "training_state"]

logger = logging.getLogger(__name__)


def fingerprint(corpus: Corpus, encoder_config: EncoderConfig, config: TrainingConfig) -> str:
    """A hash of what the run's results depend on (not the device)."""
    settings = {**encoder_config.to_dict(), **config.to_dict()}
    settings.pop("device")
    for name in ("properties", "property_means", "property_scales", "property_weights"):
        if not settings[name]:  # the paper's runs keep the fingerprints they always had
            settings.pop(name)
    text = corpus.sha256() + json.dumps(settings, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def checkpoint_path(checkpoint_dir: str | Path | None, run_fingerprint: str) -> Path | None:
    return Path(checkpoint_dir) / f"{run_fingerprint[:16]}.pt" if checkpoint_dir else None


def training_state(run_fingerprint, epoch, model, optimiser, schedule, history) -> dict:
    """What a checkpoint holds; the model is pickled as the encoder's stored form."""
    return {
        "fingerprint": run_fingerprint,
        "epoch": epoch,
        "model": model,
        "optimiser": optimiser.state_dict(),
        "schedule": schedule.state_dict(),
        "history": history,
    }


def resume(path: Path | None, model, optimiser, schedule, device) -> tuple[list[dict], int]:
    """The history and last epoch of the checkpoint at ``path`` (loaded into the model,
    optimiser and schedule), or ([], 0) when there is none."""
    if path is None or not path.exists():
        return [], 0
    state = torch.load(path, map_location=device, weights_only=False)
    saved = state["model"]  # the encoder (its stored form); older checkpoints: weights only
    model.load_state_dict(saved.state_dict() if isinstance(saved, AtomEncoder) else saved)
    optimiser.load_state_dict(state["optimiser"])
    schedule.load_state_dict(state["schedule"])
    logger.info("Resuming from %s after epoch %d", path, state["epoch"])
    return state["history"], state["epoch"]


def save_atomically(state: dict, path: Path) -> None:
    """Write to a temporary file, then rename: a crash never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)
