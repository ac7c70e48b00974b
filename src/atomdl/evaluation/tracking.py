"""MLflow records of embedding analyses and model selection (the active run, when there is one;
Kedro-free)."""

from __future__ import annotations

import json
import time

import mlflow
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["log_embedding_metrics", "log_figures", "log_selection_run"]

_METRICS = ("nn_same_group", "cluster_ari", "pc1_valence_abs_spearman")


def log_embedding_metrics(metrics: pd.DataFrame, summary: pd.DataFrame, markdown: str) -> None:
    """Each representation's scores as ``<metric>.<representation>``, its table fingerprint as a
    param, and the tables as artifacts."""
    if mlflow.active_run() is None:
        return
    values = {}
    for row in metrics.to_dict("records"):
        for key, value in row.items():
            if key.startswith(_METRICS + ("mantel_r",)) and np.isfinite(value):
                values[f"{key}.{row['representation']}"] = float(value)
    mlflow.log_metrics(values)
    mlflow.log_params({f"sha256.{r}": s[:16] for r, s in zip(
        summary["representation"], summary["sha256"], strict=True)})  # fmt: skip
    mlflow.log_text(metrics.to_csv(index=False), "embedding_metrics.csv")
    mlflow.log_text(markdown, "embedding_metrics.md")
    mlflow.log_text(summary.to_csv(index=False), "element_representations.csv")


def log_figures(figures: dict[str, Figure]) -> None:
    if mlflow.active_run() is None:
        return
    for name, figure in figures.items():
        mlflow.log_figure(figure, f"figures/{name}.png")


def log_selection_run(
    labels: dict[str, str], grid, result, paper: dict, protocol: str, log_model: bool = True
) -> None:
    """A nested run for one task x representation x model: its grid, the chosen parameters,
    per-fold (step = outer fold) and summary metrics, the parity plot, and the model refitted
    on all data (cloudpickle, explicit requirements)."""
    if mlflow.active_run() is None:
        return
    from mlflow.entities import Metric

    from atomdl.evaluation.figures import parity_figure

    name = "/".join(labels[k] for k in ("task", "representation", "model"))
    with mlflow.start_run(run_name=name, nested=True) as run:
        mlflow.set_tags({**labels, "protocol": protocol})
        mlflow.log_params(
            {
                "grid": json.dumps(grid, sort_keys=True),
                "best_params_per_fold": json.dumps(sorted(set(result.folds["best_params"]))),
                "best_params_refit": paper["best_params"],
            }
        )
        now = int(time.time() * 1000)
        fold_metrics = [
            Metric(f"fold_{metric}", float(value), now, step)
            for step, row in enumerate(result.folds.itertuples())
            for metric, value in (("mae", row.mae), ("rmse", row.rmse), ("r2", row.r2))
        ]
        mlflow.MlflowClient().log_batch(run.info.run_id, metrics=fold_metrics)
        mlflow.log_metrics(result.summary())
        mlflow.log_metrics(
            {f"paper_{k}": v for k, v in paper.items() if k.endswith(("_mean", "_std"))}
        )
        mlflow.log_text(result.folds.to_csv(index=False), "folds.csv")
        averaged = result.predictions.groupby("material_id")[["target", "prediction"]].mean()
        mlflow.log_figure(parity_figure(averaged, f"{name}: out-of-fold"), "parity.png")
        if log_model:
            log_refitted_model(paper["estimator"])


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
