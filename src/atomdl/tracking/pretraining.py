"""MLflow records of a pretraining run (Kedro-free): the per-epoch callback, and the record
that the catalog logs. The encoder itself goes to MLflow through the catalog
(``models_atom_encoder_mlflow``: ``mlflow.pytorch``, pickled as its stored form)."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable

import mlflow
import numpy as np
import torch

import atomdl
from atomdl.pretraining.trainer import TrainingResult

__all__ = ["epoch_logger", "pretraining_record", "worker_environment"]


def epoch_logger(run_id: str | None = None) -> Callable[[dict], None] | None:
    """A training callback that logs each epoch's metrics (step = epoch) into the active run,
    or into the run ``run_id`` (a worker process of a Kedro run); None if there is neither."""
    if run_id is None:
        if mlflow.active_run() is None:
            return None
        run_id = mlflow.active_run().info.run_id
    client = mlflow.MlflowClient()

    def log(metrics: dict) -> None:
        from mlflow.entities import Metric

        epoch, now = int(metrics["epoch"]), int(time.time() * 1000)
        client.log_batch(run_id, metrics=[
            Metric(k, float(v), now, epoch) for k, v in metrics.items() if k != "epoch"
        ])  # fmt: skip

    return log


def worker_environment() -> dict[str, str]:
    """What worker processes need to log into the active run (tracking store and run id)."""
    run = mlflow.active_run()
    if run is None:
        return {}
    return {"MLFLOW_TRACKING_URI": mlflow.get_tracking_uri(), "MLFLOW_RUN_ID": run.info.run_id}


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
            "processes": result.processes,
            **({"checkpoint": result.checkpoint} if result.checkpoint else {}),
        },
        "metrics": {"training_seconds": result.seconds},
    }
