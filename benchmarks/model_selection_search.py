"""Nested CV of one representation's Janus features: the GridSearchCV protocol against the
SharedSplitSearch protocol that replaced it, on the same features and folds, in one run.

Run:  python benchmarks/model_selection_search.py [--repeats 1] [--n-jobs 2] [--models krr svr rf]

Needs the C2DB export (data/01_raw/c2db_table_export.csv, or ../shared/data/c2db/). Features:
the 93 gapped Janus materials with the released Atom_DL vectors (58 columns), the grids of
conf/base/parameters_model_selection.yml. Both sides use ``--n-jobs`` processes, each in its own
way: before, GridSearchCV's inner fits (joblib); now, the outer folds. Prints per model the wall
time of each, the ratio, and whether the chosen parameters and per-fold MAE are identical
(exits non-zero when they are not).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV, KFold, ParameterGrid

from atomdl.features import janus_features
from atomdl.materials.janus import clean_c2db_export, janus_table
from atomdl.models.registry import make_estimator
from atomdl.protocol.compare import nested_cv
from atomdl.protocol.results import regression_metrics
from atomdl.protocol.run import best_params as _best_params
from atomdl.protocol.run import prefixed_grid
from atomdl.protocol.splits import outer_folds
from atomdl.representations import atom_dl

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = [ROOT / "data/01_raw/c2db_table_export.csv",
           ROOT.parent / "shared/data/c2db/c2db_table_export.csv"]  # fmt: skip


def grid_search_protocol(table, model, grid, folds, n_jobs, inner_splits=5, seed=0):
    """The protocol as it was: GridSearchCV (n_jobs inner fits) in every outer training part."""
    ids = table["material_id"].to_numpy()
    features = table.drop(columns=["material_id", "formula", "target"]).to_numpy(float)
    target = table["target"].to_numpy(float)
    rows = []
    for (repeat, fold), members in folds.groupby(["repeat", "fold"], sort=True):
        test = np.flatnonzero(np.isin(ids, members["material_id"]))
        train = np.setdiff1d(np.arange(len(ids)), test)
        search = GridSearchCV(
            make_estimator(model, seed + int(repeat)), prefixed_grid(grid),
            cv=KFold(inner_splits, shuffle=True, random_state=seed + int(repeat)),
            scoring="neg_mean_absolute_error", n_jobs=n_jobs, refit=True, error_score="raise",
        )  # fmt: skip
        with parallel_config(max_nbytes=None):
            search.fit(features[train], target[train])
        rows.append({"repeat": repeat, "fold": fold,
                     **regression_metrics(target[test], search.predict(features[test])),
                     "best_params": _best_params(search, None)})  # fmt: skip
    return pd.DataFrame(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="outer repeats (5 folds each)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--models", nargs="*", default=["krr", "svr", "rf"])
    args = parser.parse_args()

    export = next((p for p in EXPORTS if p.exists()), None)
    if export is None:
        sys.exit(f"needs the C2DB export at one of {[str(p) for p in EXPORTS]}")
    raw = pd.read_csv(export, dtype=str, keep_default_na=False)
    materials = janus_table(clean_c2db_export(raw)).materials
    table = janus_features(materials.loc[materials["has_gap"].astype(bool)], atom_dl()).table
    from omegaconf import OmegaConf

    config = OmegaConf.to_container(
        OmegaConf.load(ROOT / "conf/base/parameters_model_selection.yml")
    )
    grids = config["model_selection"]["tasks"]["janus"]["grids"]
    folds = outer_folds(table["material_id"], n_splits=5, n_repeats=args.repeats, seed=0)
    print(f"Janus x atom_dl: {len(table)} materials x {table.shape[1] - 3} features, "
          f"{folds[['repeat', 'fold']].drop_duplicates().shape[0]} outer folds, "
          f"n_jobs {args.n_jobs}")  # fmt: skip
    print(
        f"{'model':6} {'grid points':>11} {'GridSearchCV s':>15} {'shared s':>9} {'ratio':>6}  same"
    )
    same_everywhere, totals = True, [0.0, 0.0]
    for model in args.models:
        grid = grids[model]
        start = time.perf_counter()
        before = grid_search_protocol(table, model, grid, folds, args.n_jobs)
        old = time.perf_counter() - start
        start = time.perf_counter()
        after = nested_cv(table, model, grid, folds, inner_splits=5, seed=0,
                          n_jobs=args.n_jobs).folds  # fmt: skip
        new = time.perf_counter() - start
        same = (after["best_params"].tolist() == before["best_params"].tolist()
                and np.allclose(after["mae"], before["mae"], rtol=0, atol=1e-12))  # fmt: skip
        same_everywhere &= same
        totals[0] += old
        totals[1] += new
        points = len(ParameterGrid(prefixed_grid(grid)))
        print(f"{model:6} {points:>11} {old:>15.1f} {new:>9.1f} {old / new:>6.1f}  {same}")
    print(f"{'all':6} {'':>11} {totals[0]:>15.1f} {totals[1]:>9.1f} {totals[0] / totals[1]:>6.1f}")
    return 0 if same_everywhere else 1


if __name__ == "__main__":
    sys.exit(main())
