"""Cross-validation splitters that scikit-learn accepts as ``cv=``, drawn from material ids.

:class:`MaterialKFold` is the project's outer split: repeated K-fold over the *sorted unique
material ids*, so every table of the same materials (any representation, any row order, any
feature columns) gets identical folds, and pair-wise comparisons of representations are paired.
Pass the ids as ``groups``: ``cross_val_score(model, X, y, groups=ids, cv=MaterialKFold())``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator, KFold

__all__ = ["MATBENCH_SEED", "MatbenchFolds", "MaterialKFold", "outer_folds"]


class MaterialKFold(BaseCrossValidator):
    """``n_repeats`` x ``n_splits``-fold CV over material ids; repeat ``r`` shuffles with
    ``random_state = seed + r``. Splits come in (repeat, fold) order; each material is in exactly
    one test fold per repeat."""

    def __init__(self, n_splits: int = 5, n_repeats: int = 1, seed: int = 0):
        if n_splits < 2:
            raise ValueError(f"n_splits must be at least 2, got {n_splits}")
        if n_repeats < 1:
            raise ValueError(f"n_repeats must be at least 1, got {n_repeats}")
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.seed = seed

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return self.n_splits * self.n_repeats

    def assignments(self, material_ids: Sequence[str]) -> pd.DataFrame:
        """One row per (repeat, fold, material): the outer test fold of each material."""
        ids = np.array(sorted(set(map(str, material_ids))))
        if len(ids) < self.n_splits:
            raise ValueError(f"{len(ids)} materials cannot make {self.n_splits} folds")
        rows = []
        for repeat in range(self.n_repeats):
            splitter = KFold(self.n_splits, shuffle=True, random_state=self.seed + repeat)
            for fold, (_, test) in enumerate(splitter.split(ids)):
                rows += [(repeat, fold, material) for material in ids[test]]
        return pd.DataFrame(rows, columns=["repeat", "fold", "material_id"])

    def split(self, X=None, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Row indices (train, test) of a table whose rows are the materials ``groups``."""
        if groups is None:
            raise ValueError("MaterialKFold needs the material ids of the rows as groups=")
        ids = np.asarray(groups).astype(str)
        if len(set(ids)) != len(ids):
            raise ValueError("material ids repeat: one row per material expected")
        position = pd.Series(np.arange(len(ids)), index=ids)
        assigned = self.assignments(ids)
        for _, members in assigned.groupby(["repeat", "fold"], sort=True):
            test = np.sort(position.loc[members["material_id"]].to_numpy())
            yield np.setdiff1d(np.arange(len(ids)), test), test

    def _iter_test_indices(self, X=None, y=None, groups=None):  # BaseCrossValidator's hook
        for _, test in self.split(X, y, groups):
            yield test

    def __repr__(self) -> str:
        return (
            f"MaterialKFold(n_splits={self.n_splits}, n_repeats={self.n_repeats}, seed={self.seed})"
        )


#: Matbench v0.1's outer split (matbench/scripts/mvb01_generate_validation.py): 5-fold KFold,
#: shuffled with this seed, over the dataset's rows in Matbench's order (``mb-<task>-0001`` ...).
MATBENCH_SEED = 18012019


class MatbenchFolds(MaterialKFold):
    """Matbench v0.1's five folds of a task whose material ids are the 0-based rows of the
    dataset in Matbench's order (ingestion's ``row``: the embedded ``matbench_expt_gap.csv`` is
    in that order, row ``i`` = ``mb-expt-gap-{i + 1:04d}``; docs/model_selection.md says how
    that was checked). ``n_rows``: the dataset's size (4,604 for expt_gap); rows set aside at
    ingestion keep their place, so the other rows keep Matbench's folds."""

    def __init__(self, n_rows: int = 4604):
        super().__init__(n_splits=5, n_repeats=1, seed=MATBENCH_SEED)
        self.n_rows = n_rows

    def assignments(self, material_ids: Sequence[str]) -> pd.DataFrame:
        rows = sorted({_row(i) for i in material_ids})
        if rows and rows[-1] >= self.n_rows:
            raise ValueError(f"row {rows[-1]} is beyond the {self.n_rows} rows of the dataset")
        fold_of = np.empty(self.n_rows, dtype=int)
        splitter = KFold(self.n_splits, shuffle=True, random_state=self.seed)
        for fold, (_, test) in enumerate(splitter.split(np.arange(self.n_rows))):
            fold_of[test] = fold
        ids = [str(row) for row in rows]
        return (
            pd.DataFrame({"repeat": 0, "fold": fold_of[rows], "material_id": ids})
            .sort_values(["fold", "material_id"], kind="stable")
            .reset_index(drop=True)
        )

    def __repr__(self) -> str:
        return f"MatbenchFolds(n_rows={self.n_rows})"


def _row(material_id) -> int:
    try:
        return int(material_id)
    except (TypeError, ValueError):
        raise ValueError(
            f"Matbench folds need material ids that are dataset rows, got {material_id!r}"
        ) from None


def outer_folds(
    material_ids: Sequence[str], n_splits: int = 5, n_repeats: int = 10, seed: int = 0
) -> pd.DataFrame:
    """One row per (repeat, fold, material): which outer test fold each material falls in
    (``MaterialKFold.assignments``, the splitter scikit-learn can use as ``cv=``).

    Drawn from the sorted unique ids, so any table of the same materials, in any row order and
    with any features, gets the same folds.
    """
    return MaterialKFold(n_splits, n_repeats, seed).assignments(material_ids)
