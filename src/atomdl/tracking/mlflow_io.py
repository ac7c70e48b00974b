"""What the catalog's tracking datasets write into the active MLflow run (Kedro-free).

Nodes return data; the catalog says which outputs also go to MLflow (``atomdl.datasets``:
``TrackedDataset``, ``MlflowRecordDataset``; kedro-mlflow's datasets for metrics and models).
Without an active run these write nothing: a notebook that loads a catalog does not open runs.
"""

from __future__ import annotations

import logging
from pathlib import Path

__all__ = ["log_record", "log_saved"]

logger = logging.getLogger(__name__)


def _active() -> bool:
    import mlflow

    if mlflow.active_run() is None:
        logger.debug("no active MLflow run: nothing tracked")
        return False
    return True


def log_record(record: dict) -> None:
    """``record``: ``params``, ``tags`` and ``metrics`` dicts (each optional) of the run."""
    unknown = set(record) - {"params", "tags", "metrics"}
    if unknown:
        raise ValueError(f"a run record holds params, tags and metrics, not {sorted(unknown)}")
    if not _active():
        return
    import mlflow

    if record.get("params"):
        mlflow.log_params(record["params"])
    if record.get("tags"):
        mlflow.set_tags(record["tags"])
    if record.get("metrics"):
        mlflow.log_metrics({k: float(v) for k, v in record["metrics"].items()})


def log_saved(path: str | Path, artifact_path: str | None = None) -> None:
    """A file, or every file of a folder, as artifacts under ``artifact_path``."""
    if not _active():
        return
    import mlflow

    path = Path(path)
    if path.is_dir():
        mlflow.log_artifacts(str(path), artifact_path)
    else:
        mlflow.log_artifact(str(path), artifact_path)
