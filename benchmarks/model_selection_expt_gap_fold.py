"""One outer fold of Matbench expt_gap x one representation's pooled features: the inner search
as GridSearchCV (2 processes) against SharedSplitSearch (1 process), on the same 3,683 training
rows, with the conf/base expt_gap grids of KRR and SVR.

Run:  python benchmarks/model_selection_expt_gap_fold.py [representation] [krr svr]
      (default mat2vec, 1,000 features; needs data/03_primary/expt_gap_compositions.parquet,
      from `kedro run --pipelines ingestion`)

Prints, per model, whether the choice is the same, the largest difference of the mean inner
scores, and both wall times.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV, KFold

from atomdl.evaluation.model_selection import make_estimator, outer_folds, prefixed_grid
from atomdl.evaluation.search import SharedSplitSearch
from atomdl.featurization import pooled_features
from atomdl.representations import published

ROOT = Path(__file__).resolve().parents[1]
GRIDS = {  # conf/base/parameters_model_selection.yml, expt_gap
    "krr": [{"kernel": ["rbf"], "alpha": [0.01, 0.1, 1.0], "gamma": [0.001, 0.01]}],
    "svr": [{"kernel": ["rbf"], "C": [1.0, 10.0], "gamma": [0.001, 0.01]}],
}


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "mat2vec"
    compositions = pd.read_parquet(ROOT / "data/03_primary/expt_gap_compositions.parquet")
    table = pooled_features(compositions, published(name)).table
    X = table.drop(columns=["material_id", "formula", "target"]).to_numpy(float)
    y = table["target"].to_numpy(float)
    folds = outer_folds(table["material_id"], 5, 1, 0)
    test = np.flatnonzero(table["material_id"].isin(folds.loc[folds["fold"] == 0, "material_id"]))
    train = np.setdiff1d(np.arange(len(y)), test)
    print(f"expt_gap x {name}: {X.shape[1]} features, {len(train)} training rows")
    for model in sys.argv[2:] or ["krr", "svr"]:
        grid, cv = prefixed_grid(GRIDS[model]), KFold(5, shuffle=True, random_state=0)
        start = time.perf_counter()
        with parallel_config(max_nbytes=None):
            search = GridSearchCV(make_estimator(model), grid, cv=cv, n_jobs=2,
                                  scoring="neg_mean_absolute_error")  # fmt: skip
            old = search.fit(X[train], y[train])
        before = time.perf_counter() - start
        start = time.perf_counter()
        new = SharedSplitSearch(model, grid, cv).fit(X[train], y[train])
        after = time.perf_counter() - start
        gap = np.max(
            np.abs(old.cv_results_["mean_test_score"] - new.cv_results_["mean_test_score"])
        )
        print(f"{model}: same choice {old.best_params_ == new.best_params_}, largest score "
              f"difference {gap:.1e}, GridSearchCV (2 processes) {before:.1f} s, "
              f"SharedSplitSearch (1 process) {after:.1f} s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
