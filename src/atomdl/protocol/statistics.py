"""Paired tests of representations on identical outer folds (Nadeau & Bengio 2003)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from atomdl.models.registry import FINETUNE_MODELS
from atomdl.protocol.results import NESTED

__all__ = ["corrected_resampled_ttest", "significance"]


def corrected_resampled_ttest(
    a: Sequence[float], b: Sequence[float], n_train: int, n_test: int
) -> tuple[float, float]:
    """Nadeau & Bengio's corrected resampled t-test of paired per-fold scores.

    Overlapping training sets make per-fold scores correlated; the variance of the mean
    difference is inflated by (1/J + n_test/n_train) instead of 1/J. Returns (t, two-sided p);
    (0, 1) when the two are identical on every fold.
    """
    difference = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    folds = len(difference)
    if folds < 2:
        raise ValueError("the corrected t-test needs at least two paired folds")
    variance = difference.var(ddof=1)
    if variance == 0:
        return (
            (0.0, 1.0)
            if difference.mean() == 0
            else (float(np.sign(difference.mean()) * np.inf), 0.0)
        )
    t = difference.mean() / np.sqrt((1 / folds + n_test / n_train) * variance)
    return float(t), float(2 * stats.t.sf(abs(t), df=folds - 1))


def significance(results: pd.DataFrame, folds: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Corrected resampled t-test of each representation's per-fold MAE against the
    reference's, model by model, on the identical outer folds (nested rows only). A fine-tuned
    model, which the reference has no row of, is tested against the reference's best model
    (lowest nested MAE, the mean predictor left out); ``reference_model`` names the row."""
    results = results.assign(t_vs_reference=np.nan, p_vs_reference=np.nan, reference_model="")
    nested = results.loc[(results["protocol"] == NESTED) & (results["model"] != "mean")]
    own = nested.loc[nested["representation"] == reference]
    best = own.loc[own["mae_mean"].idxmin(), "model"] if len(own) else None
    for (model, representation), group in folds.groupby(["model", "representation"]):
        against = best if model in FINETUNE_MODELS else model
        base = folds.loc[(folds["model"] == against) & (folds["representation"] == reference)]
        if representation == reference or base.empty:
            continue
        paired = group.merge(base, on=["repeat", "fold"], suffixes=("", "_ref"))
        t, p = corrected_resampled_ttest(paired["mae"], paired["mae_ref"],
                                         int(paired["n_train"].mean()),
                                         int(paired["n_test"].mean()))  # fmt: skip
        where = ((results["model"] == model) & (results["representation"] == representation)
                 & (results["protocol"] == NESTED))  # fmt: skip
        results.loc[where, ["t_vs_reference", "p_vs_reference"]] = (t, p)
        results.loc[where, "reference_model"] = against
    return results
