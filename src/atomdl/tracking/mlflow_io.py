"""The general MLflow writes: what the catalog's datasets log on save, and the run bookkeeping
of hooks and the CLI (Kedro-free).

Nodes return data; the catalog says which outputs also go to MLflow (``atomdl.datasets``:
``TrackedDataset``, ``MlflowRecordDataset``; kedro-mlflow's datasets for metrics and models).
Without an active run these write nothing: a notebook that loads a catalog does not open runs.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

__all__ = ["active_run_id", "end_runs", "log_record", "log_saved"]

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


def active_run_id() -> str | None:
    """The id of this process's active MLflow run, or None."""
    import mlflow

    active = mlflow.active_run()
    return None if active is None else active.info.run_id


def end_runs(status: str, run_id: str | None = None) -> str | None:
    """End this process's active runs with ``status`` (while they are ``run_id``, when given: the
    copies of one run that kedro-mlflow stacked); the id of the last one ended, or None.

    Without mlflow imported no run can be open, and importing it here would cost seconds."""
    if "mlflow" not in sys.modules:
        return None
    import mlflow

    ended = None
    while (active := active_run_id()) is not None and run_id in (None, active):
        ended = active
        mlflow.end_run(status)
    return ended
