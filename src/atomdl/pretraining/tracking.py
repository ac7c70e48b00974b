"""MLflow records of a pretraining run (the active run, when there is one; Kedro-free)."""

from __future__ import annotations

import platform
from collections.abc import Callable
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import torch

import atomdl
from atomdl.pretraining.encoder import AtomEncoder
from atomdl.pretraining.training import TrainingResult

__all__ = ["epoch_logger", "log_pretraining"]

MODEL_NAME = "atom_encoder"


def epoch_logger() -> Callable[[dict], None] | None:
    """A training callback that logs each epoch's metrics (step = epoch), or None if no run."""
    if mlflow.active_run() is None:
        return None

    def log(metrics: dict) -> None:
        epoch = int(metrics["epoch"])
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if k != "epoch"}, step=epoch)

    return log


def log_pretraining(
    result: TrainingResult, vectors: pd.DataFrame, data_sha256: str, n_formulas: int
) -> None:
    """Data hash, device and versions, the encoder as an MLflow model (loads back as the
    ``nn.Module``), and the element-vector table; does nothing without an active run."""
    if mlflow.active_run() is None:
        return
    mlflow.log_params({"training_data_sha256": data_sha256, "training_formulas": n_formulas})
    mlflow.set_tags(
        {
            "device": result.device,
            "gpu": torch.cuda.get_device_name() if result.device == "cuda" else "none",
            "cpu_threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "atomdl": atomdl.__version__,
            "resumed_from_epoch": result.resumed_from_epoch,
        }
    )
    mlflow.log_metric("training_seconds", result.seconds)
    log_encoder_model(result.model)
    mlflow.log_text(vectors.to_csv(), "atom_dl_vectors.csv")


def log_encoder_model(model: AtomEncoder):
    """Pickle serialisation (``mlflow.pytorch.load_model`` returns the module itself), the
    atomdl package bundled as code, and explicit requirements (no inference, no waiting)."""
    return mlflow.pytorch.log_model(
        model,
        name=MODEL_NAME,
        serialization_format="pickle",
        code_paths=[str(Path(atomdl.__file__).parent)],
        pip_requirements=[
            f"torch=={torch.__version__.split('+')[0]}",
            f"numpy=={np.__version__}",
            f"pandas=={pd.__version__}",
        ],
    )
