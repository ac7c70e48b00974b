"""MLflow records of embedding analyses (scores for the catalog to log); Kedro-free. Model
selection's nested runs are ``atomdl.tracking.selection``'s."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["embedding_scores"]

_METRICS = ("nn_same_group", "cluster_ari", "pc1_valence_abs_spearman")


def embedding_scores(metrics: pd.DataFrame) -> dict[str, dict]:
    """Each representation's finite scores as ``<metric>.<representation>``, in the form
    kedro-mlflow's ``MlflowMetricsHistoryDataset`` saves (value, step 0)."""
    scores = {}
    for row in metrics.to_dict("records"):
        for key, value in row.items():
            if key.startswith(_METRICS + ("mantel_r",)) and np.isfinite(value):
                scores[f"{key}.{row['representation']}"] = {"value": float(value), "step": 0}
    return scores
