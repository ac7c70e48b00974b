"""What the protocol makes of a table x model: scores per outer fold and out-of-fold predictions,
one type for the nested and for the paper protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "NESTED",
    "PAPER",
    "CVResult",
    "PairResult",
    "averaged_over_repeats",
    "regression_metrics",
]

NESTED = "nested"
PAPER = "paper (optimistic)"


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    return {
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "r2": float(r2_score(y_true, y_pred)),
    }


@dataclass(frozen=True)
class CVResult:
    """What one protocol (nested CV, or the paper's) made of one table x model: scores per
    outer fold, out-of-fold predictions, and (the paper protocol) the model refitted on all
    rows. Summaries are taken over every fold of every repeat, here only."""

    protocol: str  # NESTED or PAPER
    folds: pd.DataFrame  # repeat, fold, n_train, n_test, mae, rmse, r2, best_params
    predictions: pd.DataFrame  # repeat, fold, material_id, target, prediction
    estimator: object | None = None  # refitted on all rows (the paper protocol's choice)

    def summary(self) -> dict[str, float]:
        out = {}
        for metric in ("mae", "rmse", "r2"):
            out[f"{metric}_mean"] = float(self.folds[metric].mean())
            out[f"{metric}_std"] = (
                float(self.folds[metric].std(ddof=1)) if len(self.folds) > 1 else 0.0
            )
        return out

    def averaged(self) -> pd.DataFrame:
        """Each material's out-of-fold prediction averaged over the repeats."""
        return averaged_over_repeats(self.predictions)

    @property
    def best_params(self) -> str:
        """The parameters chosen most often over the folds (JSON)."""
        return pd.Series(self.folds["best_params"]).mode().iloc[0]


@dataclass(frozen=True)
class PairResult:
    """One representation x model of a comparison: its nested result and, when the paper
    protocol ran beside it, the paper's (which holds the model refitted on all rows)."""

    representation: str
    model: str
    n_materials: int  # rows of the representation's table
    nested: CVResult
    paper: CVResult | None = None


def averaged_over_repeats(predictions: pd.DataFrame, labels: Sequence[str] = ()) -> pd.DataFrame:
    """Out-of-fold predictions (and targets) averaged over the repeats: one row per ``labels``
    (model, representation, ...) x material, in the order they first appear."""
    columns = ["target", "prediction"]
    grouped = predictions.groupby([*labels, "material_id"], sort=False)[columns]
    return grouped.mean().reset_index()
