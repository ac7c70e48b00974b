"""Pretraining nodes: the atom encoder trained on the OQMD corpus, and its element vectors."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)


def select_training_formulas(compositions: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """The whole corpus, or a seeded random subset of ``max_formulas`` (CPU-sized runs)."""
    limit = options.get("max_formulas")
    if limit is None or limit >= len(compositions):
        return compositions
    rng = np.random.default_rng(options["training"]["seed"])
    rows = np.sort(rng.choice(len(compositions), size=int(limit), replace=False))
    logger.info("Pretraining on %d of %d formulas (max_formulas)", limit, len(compositions))
    return compositions.iloc[rows].reset_index(drop=True)


def pretrain_encoder(
    compositions: pd.DataFrame, vocabulary: pd.DataFrame, options: dict[str, Any]
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Train the encoder; returns its artefact, the element vectors and the training history.

    The MLflow run of the Kedro run receives per-epoch metrics, the data hash, device and
    library versions, the encoder as an MLflow model and the vector table.
    """
    from atomdl.pretraining import (
        Corpus,
        EncoderConfig,
        TrainingConfig,
        element_vectors,
        encoder_artefact,
        train,
    )
    from atomdl.pretraining.tracking import epoch_logger, log_pretraining

    corpus = Corpus.from_compositions(compositions, vocabulary)
    result = train(
        corpus,
        EncoderConfig(vocabulary_size=len(vocabulary), **options["encoder"]),
        TrainingConfig(**options["training"]),
        checkpoint_dir=options.get("checkpoint_dir"),
        on_epoch_end=epoch_logger(),
        progress=options.get("progress_bar", True),
    )
    tokens = vocabulary["token"].tolist()
    artefact = encoder_artefact(result.model, tokens)
    vectors = element_vectors(result.model, tokens)
    final = result.history.iloc[-1]
    logger.info(
        "Pretraining done on %s in %.0f s: masked-atom accuracy %.3f (validation %.3f), pair "
        "accuracy %.3f (validation %.3f)",
        result.device,
        result.seconds,
        final["atom_accuracy"],
        final["val_atom_accuracy"],
        final["pair_accuracy"],
        final["val_pair_accuracy"],
    )
    log_pretraining(result, vectors, corpus.sha256(), len(corpus))
    return artefact, vectors, result.history


def use_pretrained_release() -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The committed release in place of a training run: the same three outputs as
    ``pretrain_encoder``, so every downstream pipeline reads it as if it had just been trained."""
    import mlflow

    from atomdl.pretraining.release import (
        release_info,
        released_artefact,
        released_history,
        released_vectors,
    )

    info = release_info()
    logger.info(
        "Using the pretrained release (%d epochs, data sha256 %s) instead of training",
        info["epochs"],
        info["training_data_sha256"][:12],
    )
    if mlflow.active_run() is not None:
        mlflow.set_tags(
            {"atom_dl_source": "release", "release_mlflow_run_id": info["mlflow_run_id"]}
        )
        mlflow.log_dict(info, "RELEASE.json")
    return released_artefact(), released_vectors(), released_history()
