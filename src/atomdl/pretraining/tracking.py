"""MLflow records of a pretraining run (Kedro-free): the per-epoch callback, and the record
that the catalog logs. The encoder itself goes to MLflow through the catalog
(``models_atom_encoder_mlflow``: ``mlflow.pytorch``, pickled as its stored form)."""

from __future__ import annotations

import platform
from collections.abc import Callable

import mlflow
import numpy as np
import torch

import atomdl
from atomdl.pretraining.training import TrainingResult

__all__ = ["epoch_logger", "pretraining_record"]


def epoch_logger() -> Callable[[dict], None] | None:
    """A training callback that logs each epoch's metrics (step = epoch), or None if no run."""
    if mlflow.active_run() is None:
        return None

    def log(metrics: dict) -> None:
        epoch = int(metrics["epoch"])
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if k != "epoch"}, step=epoch)

    return log


def pretraining_record(result: TrainingResult, data_sha256: str, n_formulas: int) -> dict:
    """What a pretraining run records besides its curves: data hash and size (params), device
    and versions (tags), training time (metric); for ``atomdl.tracking.log_record``."""
    return {
        "params": {"training_data_sha256": data_sha256, "training_formulas": n_formulas},
        "tags": {
            "device": result.device,
            "gpu": torch.cuda.get_device_name() if result.device == "cuda" else "none",
            "cpu_threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "atomdl": atomdl.__version__,
            "resumed_from_epoch": result.resumed_from_epoch,
        },
        "metrics": {"training_seconds": result.seconds},
    }
