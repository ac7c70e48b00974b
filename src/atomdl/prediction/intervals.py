"""Prediction intervals with a known coverage, by CV+ (Barber, Candès, Ramdas and Tibshirani,
"Predictive inference with the jackknife+", Ann. Statist. 49, 2021, section 3), from what a
predictor already has: its refits on the outer training parts and each training material's
out-of-fold residual. Nothing is refitted.

For a new material x, with ``mu_k`` the refit that did not see fold k, ``k(i)`` the fold of
training material i and ``R_i = |y_i - mu_k(i)(x_i)|``, the interval is

    [ the floor(a (n + 1))-th smallest of mu_k(i)(x) - R_i ,
      the ceil((1 - a)(n + 1))-th smallest of mu_k(i)(x) + R_i ]

with a = 1 - coverage. Its coverage is at least 1 - 2a - sqrt(2/n) in theory and close to
1 - a in practice (the paper's section 5); it is marginal, over materials like the training
ones, not per material. Kedro-free.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["cv_plus_interval", "interval_ranks"]

#: bisection steps at most: enough to bring a bracket of any float width to a few ulps
_STEPS = 200


def interval_ranks(n: int, coverage: float) -> tuple[int | None, int | None]:
    """The 1-based ranks of the lower and upper ends among n values; ``None`` where the end is
    unbounded (too few training materials for that coverage)."""
    if not 0.0 < coverage < 1.0:
        raise ValueError(f"coverage: a fraction in (0, 1), not {coverage}")
    alpha = 1.0 - coverage
    low = math.floor(alpha * (n + 1) + 1e-9)
    high = math.ceil((1.0 - alpha) * (n + 1) - 1e-9)
    return (low if low >= 1 else None), (high if high <= n else None)


def cv_plus_interval(
    member_predictions: np.ndarray,
    residuals: np.ndarray,
    folds: np.ndarray,
    coverage: float = 0.9,
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of each new row. ``member_predictions``: (members, rows), member k's
    predictions; ``residuals`` and ``folds``: each training material's absolute out-of-fold
    residual and the member that did not see it (0-based)."""
    predictions = np.asarray(member_predictions, dtype=float)
    residuals = np.asarray(residuals, dtype=float)
    folds = np.asarray(folds, dtype=int)
    if residuals.shape != folds.shape or residuals.ndim != 1:
        raise ValueError("residuals and folds: one value per training material each")
    if not np.isfinite(residuals).all():
        raise ValueError("residuals: a training material has no finite out-of-fold residual")
    if len(folds) and (folds.min() < 0 or folds.max() >= len(predictions)):
        raise ValueError(f"folds: member indices in 0..{len(predictions) - 1}")
    low_rank, high_rank = interval_ranks(len(residuals), coverage)
    by_fold = [np.sort(residuals[folds == k]) for k in range(len(predictions))]
    rows = predictions.shape[1]
    low, high = np.full(rows, -np.inf), np.full(rows, np.inf)
    if low_rank is not None and rows:  # the low_rank-th smallest of mu - R is minus the
        # (n + 1 - low_rank)-th smallest of -mu + R
        low = -_kth_smallest(-predictions, by_fold, len(residuals) + 1 - low_rank)
    if high_rank is not None and rows:
        high = _kth_smallest(predictions, by_fold, high_rank)
    return low, high


def _kth_smallest(offsets: np.ndarray, by_fold: list[np.ndarray], rank: int) -> np.ndarray:
    """For each row j, the rank-th smallest (1-based) of ``offsets[k, j] + r`` over every
    residual r of every fold k (``by_fold``: each fold's residuals, sorted).

    A bisection on the value, counting with ``searchsorted`` (rows x folds x log n per step, not
    rows x n as a partial sort would be: 10,000 rows against 4,604 materials in about 0.3 s, not
    2.4 s), then snapped to the largest actual value at or below the bracket's top, which is
    the order statistic itself."""
    used = [k for k, values in enumerate(by_fold) if len(values)]
    lo = np.min([offsets[k] + by_fold[k][0] for k in used], axis=0)
    hi = np.max([offsets[k] + by_fold[k][-1] for k in used], axis=0)
    lo = lo - 1.0 - np.abs(lo)  # strictly below every value: none counted
    for _ in range(_STEPS):
        mid = lo + (hi - lo) / 2
        counted = sum(np.searchsorted(by_fold[k], mid - offsets[k], side="right") for k in used)
        enough = counted >= rank
        hi, lo = np.where(enough, mid, hi), np.where(enough, lo, mid)
        if np.all(hi - lo <= 4 * np.spacing(np.abs(hi))):
            break
    best = np.full(offsets.shape[1], -np.inf)
    for k in used:
        below = np.searchsorted(by_fold[k], hi - offsets[k], side="right") - 1
        found = below >= 0
        value = offsets[k] + by_fold[k][np.clip(below, 0, None)]
        best = np.where(found & (value > best), value, best)
    return best
