"""Check the project's MLflow store, and keep a copied project's store to itself, before
kedro-mlflow opens it (``atomdl.tracking.store``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl

from atomdl.tracking.store import check_store, rebase_copied_store, sqlite_path

#: kedro-mlflow's own pattern for its configuration (registered by its hook, which runs later)
_MLFLOW_PATTERNS = ["mlflow*", "mlflow*/**", "**/mlflow*"]


class MlflowStoreHooks:
    """Listed after kedro-mlflow's hook in ``settings.HOOKS``, so it runs before that hook sets
    up the store: a corrupt ``mlflow.db`` is one line naming it, not kedro-mlflow's traceback;
    a copied project's artifact locations are rebased onto the copy's ``mlruns/``."""

    @hook_impl
    def after_context_created(self, context) -> None:
        path = sqlite_path(_tracking_uri(context))
        if path is None:
            return
        check_store(path)
        rebase_copied_store(path, project=Path(context.project_path))


def _tracking_uri(context) -> str | None:
    """The store kedro-mlflow will use: an active run's, else mlflow.yml's, else the
    environment's (kedro-mlflow's own order)."""
    if "mlflow" in sys.modules:
        import mlflow

        if mlflow.active_run() is not None:
            return mlflow.get_tracking_uri()
    loader = context.config_loader
    if "mlflow" not in loader.config_patterns:
        loader.config_patterns.update({"mlflow": _MLFLOW_PATTERNS})
    try:
        conf = loader["mlflow"]
    except MissingConfigException:  # no mlflow.yml: kedro-mlflow uses its defaults
        conf = {}
    uri = (conf.get("server") or {}).get("mlflow_tracking_uri")
    return uri or os.environ.get("MLFLOW_TRACKING_URI")
