"""Paired test of any two rows of a selection run, on the outer folds they share.

The results tables test every row against Atom_DL only; this answers "is row A better than
row B?" for any two, with the same corrected resampled t-test (Nadeau & Bengio).

    python scripts/paired_test.py data/08_reporting/expt_gap_cv_folds.csv \\
        composition/finetune_property_aware composition/finetune_paper oliynyk/two_stage

A folds file is a versioned folder (its newest version is read) or one CSV. Each row is
``representation/model``; the first is paired with each of the others.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from atomdl.protocol.statistics import corrected_resampled_ttest


def read_folds(path: Path) -> tuple[Path, pd.DataFrame]:
    if path.is_dir():  # a Kedro versioned dataset: <name>/<version>/<name>
        path = sorted(path.iterdir())[-1] / path.name
    return path, pd.read_csv(path)


def row_folds(folds: pd.DataFrame, row: str) -> pd.DataFrame:
    representation, _, model = row.partition("/")
    chosen = folds.loc[(folds["representation"] == representation) & (folds["model"] == model)]
    if chosen.empty:
        known = sorted(set(folds["representation"] + "/" + folds["model"]))
        raise SystemExit(f"no folds for {row!r}; rows in this file: {', '.join(known)}")
    return chosen.set_index(["repeat", "fold"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folds", type=Path, help="a selection run's <task>_cv_folds.csv")
    parser.add_argument("rows", nargs="+", help="representation/model, the first against each")
    args = parser.parse_args()
    if len(args.rows) < 2:
        parser.error("name at least two rows")
    path, folds = read_folds(args.folds)
    print(path)
    first = row_folds(folds, args.rows[0])
    for other in args.rows[1:]:
        second = row_folds(folds, other)
        shared = first.index.intersection(second.index)
        a, b = first.loc[shared], second.loc[shared]
        t, p = corrected_resampled_ttest(
            a["mae"], b["mae"], int(a["n_train"].mean()), int(a["n_test"].mean())
        )
        print(f"{args.rows[0]} {a['mae'].mean():.3f} vs {other} {b['mae'].mean():.3f} eV "
              f"on {len(shared)} folds: difference {a['mae'].mean() - b['mae'].mean():+.3f}, "
              f"t {t:.2f}, p {p:.3g}")  # fmt: skip


if __name__ == "__main__":
    main()
