"""Pretraining nodes: the atom encoder trained on the OQMD corpus, and its element vectors."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from atomdl.parameters import Pretraining

logger = logging.getLogger(__name__)


def select_training_formulas(compositions: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """The whole corpus, or a seeded random subset of ``max_formulas`` (CPU-sized runs)."""
    settings = Pretraining.model_validate(options)
    from atomdl.pretraining.samples import subsample

    selected = subsample(compositions, settings.max_formulas, settings.training.seed)
    if len(selected) < len(compositions):
        logger.info("Pretraining on %d of %d formulas (max_formulas)", len(selected),
                    len(compositions))  # fmt: skip
    return selected


def pretrain_encoder(
    compositions: pd.DataFrame, vocabulary: pd.DataFrame, options: dict[str, Any]
) -> tuple:
    """Train the encoder; returns it (for the catalog and for MLflow), the training history and
    the run's record (data hash, device, versions, time).

    Per-epoch metrics go to the MLflow run as training goes. With ``distributed.nproc_per_node``
    > 1 (``auto``: one per local GPU), that many processes train it together (torchrun, DDP).
    The finished run's checkpoint is kept (its path is the record's ``checkpoint`` tag) until
    the Kedro run has saved everything (``atomdl.hooks``).
    """
    settings = Pretraining.model_validate(options)
    from atomdl.pretraining.run import pretrain_here

    result = pretrain_here(
        compositions,
        vocabulary,
        options,  # as the catalog gives it: the settings' fingerprint is of these values
        processes=_processes(settings.distributed.nproc_per_node),
        progress=settings.progress_bar,
        keep_checkpoint=True,
    )
    _log_summary(result.history, result.device, result.seconds)
    return result.encoder, result.encoder, result.history, result.record


def _processes(setting) -> int:
    """``auto``: one process per local GPU (one process without GPUs); else the number given."""
    if setting == "auto":
        import torch

        return max(torch.cuda.device_count(), 1)
    return int(setting)


def _log_summary(history: pd.DataFrame, device: str, seconds: float) -> None:
    final = history.iloc[-1]
    logger.info(
        "Pretraining done on %s in %.0f s: masked-atom accuracy %.3f (validation %.3f), pair "
        "accuracy %.3f (validation %.3f)",
        device,
        seconds,
        final["atom_accuracy"],
        final["val_atom_accuracy"],
        final["pair_accuracy"],
        final["val_pair_accuracy"],
    )


def extract_element_vectors(encoder) -> pd.DataFrame:
    """Atom_DL: the encoder's element vectors (it knows its own tokens)."""
    return encoder.element_vectors()


def use_pretrained_release() -> tuple:
    """The committed release in place of a training run: the encoder, its vectors and history
    as ``pretrain_encoder`` gives them, so every downstream pipeline reads it as if it had just
    been trained; the run is tagged with the release it used, and gets its RELEASE.json."""
    from atomdl.pretraining.release import (
        release_info,
        released_encoder,
        released_history,
        released_vectors,
    )

    info = release_info()
    logger.info(
        "Using the pretrained release (%d epochs, data sha256 %s) instead of training",
        info["epochs"],
        info["training_data_sha256"][:12],
    )
    record = {"tags": {"atom_dl_source": "release", "release_mlflow_run_id": info["mlflow_run_id"]}}
    return released_encoder(), released_vectors(), released_history(), record, info
