"""Two outer folds of Matbench expt_gap x one representation's pooled features, as the protocol
ran them before and runs them now, on the same training rows, grids and 2 processes.

Run:  python benchmarks/model_selection_expt_gap_fold.py [representation] [--models krr svr rf]
          [--conf-grids]
      (default mat2vec, 1,000 features; needs data/03_primary/expt_gap_compositions.parquet,
      from `kedro run --pipelines ingestion`)

Before: each outer fold in turn, GridSearchCV with 2 processes (joblib) over its inner fits.
Now: the two outer folds side by side, one process each, each a SharedSplitSearch (the units of
``atomdl.execution.executor``). Grids: those the protocol had before the search was replaced
(``BEFORE_GRIDS``), or with ``--conf-grids`` the expt_gap grids of conf/base.
Prints per model whether the choices and outer-fold predictions agree, both wall times and
their ratio, and the ratio over all models.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import parallel_config
from omegaconf import OmegaConf
from sklearn.model_selection import GridSearchCV, KFold

from atomdl.execution.executor import executor
from atomdl.features import pooled_features
from atomdl.models.registry import make_estimator
from atomdl.protocol.plan import Unit
from atomdl.protocol.run import best_params as _best_params
from atomdl.protocol.run import nested_fold as _outer_fold
from atomdl.protocol.run import prefixed_grid
from atomdl.protocol.splits import outer_folds
from atomdl.representations import published

ROOT = Path(__file__).resolve().parents[1]
#: conf/base expt_gap grids at commit 9bde5a2, the settings the 4,071 s full run had
BEFORE_GRIDS = {
    "rf": {"n_estimators": [100], "max_features": ["sqrt"]},
    "krr": [{"kernel": ["rbf"], "alpha": [0.01, 0.1, 1.0], "gamma": [0.001, 0.01]}],
    "svr": [{"kernel": ["rbf"], "C": [1.0, 10.0], "gamma": [0.001, 0.01]}],
}


def before(model, grid, features, target, parts):
    """GridSearchCV over the inner fits on 2 processes, one outer fold after the other."""
    out = []
    for train, test in parts:
        search = GridSearchCV(make_estimator(model), grid, n_jobs=2,
                              cv=KFold(5, shuffle=True, random_state=0),
                              scoring="neg_mean_absolute_error")  # fmt: skip
        with parallel_config(max_nbytes=None):
            search.fit(features[train], target[train])
        out.append((search.predict(features[test]), _best_params(search, None)))
    return out


def now(model, grid, features, target, parts):
    """The outer folds as units of work, side by side on 2 processes."""
    units = [Unit(_outer_fold, (model, grid, 5, 0, features, target, train, test), model=model)
             for train, test in parts]  # fmt: skip
    with executor("processes", 2) as run:
        return list(run(units))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("representation", nargs="?", default="mat2vec")
    parser.add_argument("--models", nargs="+", default=["krr", "svr", "rf"])
    args = parser.parse_args()
    config = OmegaConf.to_container(
        OmegaConf.load(ROOT / "conf/base/parameters_model_selection.yml")
    )
    grids = config["model_selection"]["tasks"]["expt_gap"]["grids"]
    compositions = pd.read_parquet(ROOT / "data/03_primary/expt_gap_compositions.parquet")
    table = pooled_features(compositions, published(args.representation)).table
    features = table.drop(columns=["material_id", "formula", "target"]).to_numpy(float)
    target = table["target"].to_numpy(float)
    folds = outer_folds(table["material_id"], 5, 1, 0)
    parts = []
    for fold in (0, 1):
        members = folds.loc[folds["fold"] == fold, "material_id"]
        test = np.flatnonzero(table["material_id"].isin(members))
        parts.append((np.setdiff1d(np.arange(len(target)), test), test))
    print(f"expt_gap x {args.representation}: {features.shape[1]} features, "
          f"{len(parts[0][0])} training rows, outer folds 0 and 1", flush=True)  # fmt: skip
    totals = [0.0, 0.0]
    for model in args.models:
        grid = prefixed_grid(grids[model])
        start = time.perf_counter()
        old = before(model, grid, features, target, parts)
        old_time = time.perf_counter() - start
        start = time.perf_counter()
        new = now(model, grid, features, target, parts)
        new_time = time.perf_counter() - start
        totals[0] += old_time
        totals[1] += new_time
        same = all(a[1] == b[1] for a, b in zip(old, new, strict=True))
        gap = max(np.max(np.abs(a[0] - b[0])) for a, b in zip(old, new, strict=True))
        print(f"{model}: same choices {same}, largest prediction difference {gap:.1e} eV, "
              f"before {old_time:.1f} s, now {new_time:.1f} s, {old_time / new_time:.1f}x",
              flush=True)  # fmt: skip
    print(f"all: before {totals[0]:.1f} s, now {totals[1]:.1f} s, {totals[0] / totals[1]:.1f}x")


if __name__ == "__main__":
    main()
