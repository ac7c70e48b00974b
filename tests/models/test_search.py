"""SharedSplitSearch makes GridSearchCV's choice with GridSearchCV's numbers, and the nested
protocol built on it gives the results the GridSearchCV-based protocol gave."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, KFold
from threadpoolctl import threadpool_limits

from atomdl.models.registry import make_estimator
from atomdl.models.search import SharedSplitSearch
from atomdl.protocol.compare import nested_cv
from atomdl.protocol.results import regression_metrics
from atomdl.protocol.run import best_params as _best_params
from atomdl.protocol.run import prefixed_grid
from atomdl.protocol.splits import outer_folds

RNG = np.random.default_rng(4)
X = RNG.normal(size=(70, 12))
Y = np.abs(X[:, 0] + 0.5 * X[:, 1] ** 2 + 0.1 * RNG.normal(size=70))

GRIDS = {
    "krr": [
        {"kernel": ["poly"], "degree": [1, 2, 4], "alpha": [0.1, 1.0], "gamma": [0.01, 0.3],
         "coef0": [0.5, 2.5]},
        {"kernel": ["rbf"], "alpha": [0.01, 0.1, 1.0], "gamma": [0.001, 0.1]},
        {"kernel": ["linear"], "alpha": [0.1, 1.0]},
        {"kernel": ["laplacian"], "alpha": [0.1], "gamma": [0.1]},
    ],
    "svr": [
        {"kernel": ["poly"], "degree": [1, 3], "C": [0.1, 1.0, 10.0], "gamma": [0.01, 0.15],
         "coef0": [0.5, 2.5]},
        {"kernel": ["rbf"], "C": [1.0, 10.0], "gamma": [0.001, 0.1]},
    ],
    "rf": [{"n_estimators": [5, 10, 30]}, {"n_estimators": [10, 20], "max_features": ["sqrt"]}],
    "mean": [{"strategy": ["mean", "median"]}],
    "hgb": [{"max_iter": [10, 30, 60], "learning_rate": [0.05, 0.2], "min_samples_leaf": [5, 10]}],
    "two_stage": [{"classifier__n_estimators": [5, 15], "regressor__n_estimators": [5, 15]}],
    "gated_hgb": [{"probability": [0.3, 0.5, 0.7], "classifier__max_iter": [10],
                   "regressor__max_iter": [10, 20]}],
}  # fmt: skip


def _grid_search(model, grid, cv, seed=0):
    """The protocol's search before SharedSplitSearch: GridSearchCV on the whole pipeline."""
    return GridSearchCV(make_estimator(model, seed), grid, cv=cv, refit=True,
                        scoring="neg_mean_absolute_error", error_score="raise")  # fmt: skip


# SVR is scored on kernels computed with BLAS instead of libsvm's own loop: equal to rounding
REFORMULATED = {"svr": 1e-9}


@pytest.mark.parametrize("model", sorted(GRIDS))
def test_the_same_scores_choice_and_refitted_model_as_grid_search(model):
    grid = prefixed_grid(GRIDS[model])
    cv = KFold(5, shuffle=True, random_state=3)
    with threadpool_limits(limits=1, user_api="openmp"):  # gradient boosting on 56 rows
        expected = _grid_search(model, grid, cv).fit(X, Y)
    found = SharedSplitSearch(model, grid, cv).fit(X, Y)
    assert found.cv_results_["params"] == expected.cv_results_["params"]
    for key in ["mean_test_score", *(f"split{i}_test_score" for i in range(5))]:
        np.testing.assert_allclose(found.cv_results_[key], expected.cv_results_[key],
                                   rtol=0, atol=REFORMULATED.get(model, 0))  # fmt: skip
    assert found.best_params_ == expected.best_params_
    assert found.best_index_ == expected.best_index_
    np.testing.assert_array_equal(found.predict(X[:9]), expected.predict(X[:9]))


def test_svr_kernels_not_shared_here_are_fitted_by_svr_itself():
    grid = prefixed_grid(
        [
            {"kernel": ["sigmoid"], "C": [0.1, 1.0], "gamma": ["scale", 0.01]},
            {"C": [1.0, 10.0], "epsilon": [0.05, 0.2]},
        ]
    )  # rbf, gamma "scale"
    cv = KFold(4, shuffle=True, random_state=1)
    expected = _grid_search("svr", grid, cv).fit(X, Y)
    found = SharedSplitSearch("svr", grid, cv).fit(X, Y)
    np.testing.assert_allclose(
        found.cv_results_["mean_test_score"],
        expected.cv_results_["mean_test_score"],
        rtol=0,
        atol=1e-9,
    )
    sigmoid = [i for i, p in enumerate(expected.cv_results_["params"])
               if p.get("model__kernel") == "sigmoid"]  # fmt: skip
    np.testing.assert_array_equal(
        found.cv_results_["mean_test_score"][sigmoid],
        expected.cv_results_["mean_test_score"][sigmoid],
    )
    assert found.best_params_ == expected.best_params_


def test_ties_go_to_the_first_point_in_grid_order_as_in_grid_search():
    grid = [{"model__strategy": ["mean"]}, {"model__strategy": ["mean"], "model__quantile": [0.3]}]
    found = SharedSplitSearch("mean", grid, KFold(3)).fit(X, Y)
    assert found.best_index_ == 0


def _nested_with_grid_search(table, model, grid, folds, inner_splits, seed):
    """nested_cv as it was: GridSearchCV in every outer training part."""
    ids = table["material_id"].to_numpy()
    features = table.drop(columns=["material_id", "formula", "target"]).to_numpy(float)
    target = table["target"].to_numpy(float)
    rows = []
    for (repeat, fold), members in folds.groupby(["repeat", "fold"], sort=True):
        test = np.flatnonzero(np.isin(ids, members["material_id"]))
        train = np.setdiff1d(np.arange(len(ids)), test)
        inner = KFold(inner_splits, shuffle=True, random_state=seed + int(repeat))
        search = _grid_search(model, prefixed_grid(grid), inner, seed + int(repeat))
        search.fit(features[train], target[train])
        rows.append({"repeat": repeat, "fold": fold,
                     **regression_metrics(target[test], search.predict(features[test])),
                     "best_params": _best_params(search, None)})  # fmt: skip
    return pd.DataFrame(rows)


def test_the_nested_protocol_is_unchanged_on_real_janus_features(c2db_export):
    """On a slice of the real Janus features (Atom_DL): identical folds, chosen parameters and
    MAE, with the paper-config grids of conf/base (reduced to keep the test short)."""
    from atomdl.features import janus_features
    from atomdl.materials.janus import clean_c2db_export, janus_table
    from atomdl.representations import atom_dl

    materials = janus_table(clean_c2db_export(c2db_export)).materials
    table = janus_features(materials.loc[materials["has_gap"].astype(bool)], atom_dl()).table
    folds = outer_folds(table["material_id"], n_splits=5, n_repeats=1, seed=0)
    grids = {
        "krr": [{"kernel": ["poly"], "degree": [1, 2, 4], "alpha": [0.1, 1.0],
                 "gamma": [0.001, 0.15], "coef0": [0.5, 2.5]},
                {"kernel": ["rbf"], "alpha": [0.01, 1.0], "gamma": [0.001, 0.01, 0.1]}],
        "svr": [{"kernel": ["poly"], "degree": [1, 3], "C": [0.1, 10.0], "gamma": [0.01, 0.15],
                 "coef0": [0.5, 2.5]}],
        "rf": {"n_estimators": [10, 20, 50]},
    }  # fmt: skip
    for model, grid in grids.items():
        before = _nested_with_grid_search(table, model, grid, folds, 5, 0)
        after = nested_cv(table, model, grid, folds, inner_splits=5, seed=0).folds
        assert after["best_params"].tolist() == before["best_params"].tolist(), model
        np.testing.assert_allclose(after["mae"], before["mae"], rtol=0, atol=1e-12)  # refits
        assert json.loads(after["best_params"].iat[0])  # a real choice was made


def test_outer_folds_in_parallel_give_the_serial_results():
    table = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    table.insert(0, "material_id", [f"m{i:02d}" for i in range(len(Y))])
    table.insert(1, "formula", "X")
    table.insert(2, "target", Y)
    folds = outer_folds(table["material_id"], n_splits=5, n_repeats=2)
    grid = GRIDS["krr"][:2]
    serial = nested_cv(table, "krr", grid, folds, n_jobs=1)
    parallel = nested_cv(table, "krr", grid, folds, n_jobs=2)
    pd.testing.assert_frame_equal(serial.folds, parallel.folds)
    pd.testing.assert_frame_equal(serial.predictions, parallel.predictions)
