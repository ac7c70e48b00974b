"""The fit of a predictor: the chosen estimator refitted on every material and on each outer
training part, and the Janus gapped-or-metallic classifier (Kedro-free).

Its source is part of the key fitted models are kept under (``atomdl.prediction.kept``): an
edit here refits; an edit of how predictions are made from fitted models does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from atomdl.features import ID_COLUMNS

__all__ = ["FitSpec", "FittedModels", "fit_models", "gap_classifier"]


@dataclass(frozen=True)
class FitSpec:
    """What to fit: a registry model at its chosen parameters, refitted on every material and
    on each of ``n_splits`` outer training parts (material ids, seed ``seed``); ``"all"``: one
    part per material left out (leave-one-out, so the interval is jackknife+)."""

    model: str
    params: Mapping
    n_splits: int | str = 5
    seed: int = 0


@dataclass(frozen=True)
class FittedModels:
    estimator: object  # refitted on every training material
    members: tuple  # one per outer training part
    feature_columns: tuple[str, ...]
    low: np.ndarray  # the training range of each feature
    high: np.ndarray
    out_of_fold: np.ndarray  # each training material, by the member that did not see it
    folds: np.ndarray  # each training material's member that did not see it (0-based)
    residuals: np.ndarray  # |target - out_of_fold|: what the prediction interval is made of


def fit_models(table: pd.DataFrame, spec: FitSpec) -> FittedModels:
    """The estimator of ``spec`` on a feature table (``ID_COLUMNS``, then features)."""
    from sklearn.base import clone

    from atomdl.models.registry import make_estimator
    from atomdl.protocol.splits import MaterialKFold

    estimator = make_estimator(spec.model, spec.seed).set_params(
        **{f"model__{key}": value for key, value in spec.params.items()}
    )
    ids = table["material_id"].astype(str).to_numpy()
    features = table.drop(columns=list(ID_COLUMNS))
    # C order, as model selection fits: a boosted model's trees differ with the layout (Matbench
    # fold 0 of Oliynyk x gated_hgb: 0.339 eV C-ordered, 0.323 F-ordered)
    x = np.ascontiguousarray(features.to_numpy(dtype=float))
    y = table["target"].to_numpy(dtype=float)
    members, out_of_fold, folds = [], np.full(len(y), np.nan), np.full(len(y), -1)
    splits = len(y) if spec.n_splits == "all" else int(spec.n_splits)
    for train, test in MaterialKFold(splits, 1, spec.seed).split(x, y, groups=ids):
        member = clone(estimator).fit(x[train], y[train])
        out_of_fold[test] = member.predict(x[test])
        folds[test] = len(members)
        members.append(member)
    return FittedModels(
        estimator=clone(estimator).fit(x, y),
        members=tuple(members),
        feature_columns=tuple(features.columns),
        low=x.min(axis=0),
        high=x.max(axis=0),
        out_of_fold=out_of_fold,
        folds=folds,
        residuals=np.abs(y - out_of_fold),
    )


def gap_classifier(grid: Mapping | None = None, seed: int = 0):
    """Gapped (1) or metallic (0): a random forest on scaled features, its size and feature
    fraction chosen by 5-fold grid search on ROC AUC inside whatever rows it is fitted on."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    grid = grid or {"n_estimators": [200], "max_features": ["sqrt", 0.33]}
    pipeline = Pipeline(
        [
            ("scale", StandardScaler()),
            ("model", RandomForestClassifier(random_state=seed, n_jobs=1)),
        ]
    )
    return GridSearchCV(
        pipeline,
        {f"model__{k}": list(v) for k, v in grid.items()},
        scoring="roc_auc",
        cv=KFold(5, shuffle=True, random_state=seed),
    )
