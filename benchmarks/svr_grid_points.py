"""Which of the Janus SVR grid points cost the time: every point of conf/base's SVR grid fitted
on one inner split of one representation's Janus table, on the kernel the search precomputes.

Run:  python benchmarks/svr_grid_points.py [representation]   (default mat2vec; after
      featurization: it reads the newest data/04_feature/janus_features version)

Prints the slowest points with libsvm's iteration count and support vectors, and the seconds
by kernel and degree.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.model_selection import KFold, ParameterGrid
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from atomdl.models.search import _SplitKernels

ROOT = Path(__file__).resolve().parents[1]


def main(representation: str = "mat2vec") -> None:
    folder = sorted((ROOT / "data/04_feature/janus_features").glob("*/"))[-1] / "janus_features"
    table = pd.read_parquet(folder / f"janus__{representation}.parquet")
    X = table.drop(columns=["material_id", "formula", "target"]).to_numpy(float)
    y = table["target"].to_numpy(float)
    parameters = yaml.safe_load((ROOT / "conf/base/parameters_model_selection.yml").read_text())
    grid = parameters["model_selection"]["tasks"]["janus"]["grids"]["svr"]
    train, test = next(KFold(5, shuffle=True, random_state=0).split(X))
    scaler = StandardScaler().fit(X[train])
    kernels = _SplitKernels(scaler.transform(X[train]), scaler.transform(X[test]))
    rows = []
    for point in ParameterGrid(grid):
        kernel, _ = kernels.pair(point["kernel"], point.get("gamma"), point.get("degree", 3),
                                 point.get("coef0", 0.0))  # fmt: skip
        started = time.perf_counter()
        fitted = SVR(kernel="precomputed", C=point["C"]).fit(kernel, y[train])
        rows.append({**point, "seconds": time.perf_counter() - started,
                     "iterations": int(np.ravel(fitted.n_iter_)[0]),
                     "support": len(fitted.support_)})  # fmt: skip
    found = pd.DataFrame(rows)
    print(f"{representation}: {len(found)} points, {found['seconds'].sum():.2f} s")
    print(found.sort_values("seconds", ascending=False).head(10).to_string(index=False))
    print(found.groupby(["kernel", "degree"], dropna=False)["seconds"].sum().to_string())


if __name__ == "__main__":
    main(*sys.argv[1:])
