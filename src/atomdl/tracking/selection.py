"""MLflow records of model selection: a nested run per task x representation x model, logged
from a finished comparison (``atomdl.protocol.reports.Comparison``); Kedro-free."""

from __future__ import annotations

import json
import time

import mlflow
import numpy as np
import pandas as pd

__all__ = ["chosen_params", "log_refitted_model", "log_selection_run", "log_selection_runs"]


def log_selection_run(
    labels: dict[str, str], grid, result, paper=None, protocol: str = "", log_model: bool = True
) -> None:
    """A nested run for one task x representation x model: its grid, the chosen parameters,
    per-fold (step = outer fold) and summary metrics, the parity plot, and the model refitted
    on all data (cloudpickle, explicit requirements). ``result``, ``paper``: the ``CVResult``s
    of the nested and the paper protocol; the paper's holds the refitted model. Without it
    (``paper=False``) there are no ``paper_`` metrics and no refitted model."""
    if mlflow.active_run() is None:
        return
    from mlflow.entities import Metric

    from atomdl.protocol.figures import parity_figure

    name = "/".join(labels[k] for k in ("task", "representation", "model"))
    with mlflow.start_run(run_name=name, nested=True) as run:
        mlflow.set_tags({**labels, "protocol": protocol})
        params = {
            "grid": json.dumps(grid, sort_keys=True),
            "best_params_chosen": chosen_params(result.folds["best_params"]),
        }
        if paper is not None:
            params["best_params_refit"] = paper.best_params
        mlflow.log_params(params)
        now = int(time.time() * 1000)
        # named to sort after the summaries: MLflow's tables show a history's last step only
        fold_metrics = [
            Metric(f"outer_fold_{metric}", float(value), now, step)
            for step, row in enumerate(result.folds.itertuples())
            for metric, value in (("mae", row.mae), ("rmse", row.rmse), ("r2", row.r2))
        ]
        mlflow.MlflowClient().log_batch(run.info.run_id, metrics=fold_metrics)
        mlflow.log_metrics(result.summary())
        if paper is not None:
            mlflow.log_metrics({f"paper_{k}": v for k, v in paper.summary().items()})
        mlflow.log_text(result.folds.to_csv(index=False), "folds.csv")
        figure = parity_figure(result.averaged(), f"{name}: out-of-fold")
        mlflow.log_figure(figure, "parity.png")
        if log_model and paper is not None:
            log_refitted_model(paper.estimator)


def chosen_params(best_params: pd.Series) -> str:
    """The parameter sets the inner search chose, most chosen first, readable in MLflow's
    tables: ``C=10, gamma=0.01 (7 of 10 folds); C=1, gamma=0.01 (3 of 10 folds)``."""
    counts = pd.Series(best_params).value_counts(sort=True)
    parts = []
    for params, count in counts.items():
        values = ", ".join(f"{k}={v}" for k, v in json.loads(params).items()) or "(fixed)"
        parts.append(f"{values} ({count} of {len(best_params)} folds)")
    return "; ".join(parts)


def log_refitted_model(estimator) -> None:
    import scipy
    import sklearn

    mlflow.sklearn.log_model(
        estimator,
        name="model",
        serialization_format="cloudpickle",
        pip_requirements=[
            f"scikit-learn=={sklearn.__version__}",
            f"numpy=={np.__version__}",
            f"scipy=={scipy.__version__}",
        ],
    )


def log_selection_runs(comparison, task: str, grids: dict, log_models: bool = True) -> None:
    """A nested run for each representation x model of ``comparison``, in its order: the
    grid it was given (``grids``, by model), as ``log_selection_run`` records it."""
    for pair in comparison.pairs:
        labels = {"task": task, "representation": pair.representation, "model": pair.model}
        log_selection_run(labels, grids.get(pair.model), pair.nested, pair.paper,
                          comparison.settings, log_models)  # fmt: skip
