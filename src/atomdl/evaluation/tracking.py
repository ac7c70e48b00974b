"""MLflow records of an embedding analysis (the active run, when there is one; Kedro-free)."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["log_embedding_metrics", "log_figures"]

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
