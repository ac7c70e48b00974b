"""Two results rows on the same outer folds, paired: the mean MAE and RMSE of each, and Nadeau &
Bengio's corrected resampled t-test of their per-fold MAE (``atomdl.protocol.statistics``), the
test model selection uses against its reference.

Run:  python scripts/paired_rows.py A_FOLDS.csv REPRESENTATION MODEL B_FOLDS.csv REPRESENTATION
          MODEL
      (per-fold tables: ``*_cv_folds.csv`` of a run, or the committed ``*_per_fold.csv``)

The two rows must come from the same protocol (the same repeats and folds, the same training
and test sizes); the script refuses otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _row(path: str, representation: str, model: str) -> pd.DataFrame:
    folds = pd.read_csv(path)
    row = folds[(folds["representation"] == representation) & (folds["model"] == model)]
    if row.empty:
        sys.exit(f"{path} has no {representation} x {model} folds")
    return row.set_index(["repeat", "fold"]).sort_index()


def main(argv=None) -> int:
    from atomdl.protocol.statistics import corrected_resampled_ttest

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 6:
        sys.exit(__doc__)
    a, b = _row(*args[:3]), _row(*args[3:])
    if list(a.index) != list(b.index) or not a[["n_train", "n_test"]].equals(
        b[["n_train", "n_test"]]
    ):
        sys.exit("the two rows are not on the same folds (repeats, folds or sizes differ)")
    for (path, rep, model), row in ((args[:3], a), (args[3:], b)):
        print(f"{rep} x {model} ({Path(path).name}): MAE {row['mae'].mean():.4f} "
              f"+- {row['mae'].std(ddof=1):.4f}, RMSE {row['rmse'].mean():.4f}, "
              f"{len(row)} folds")  # fmt: skip
    t, p = corrected_resampled_ttest(
        a["mae"].to_numpy(), b["mae"].to_numpy(), int(a["n_train"].iloc[0]),
        int(a["n_test"].iloc[0]),
    )  # fmt: skip
    wins = int((a["mae"] < b["mae"]).sum())
    print(f"difference (first - second) {a['mae'].mean() - b['mae'].mean():+.4f} eV; "
          f"corrected resampled t = {t:.3f}, two-sided p = {p:.4f}; first lower in {wins} of "
          f"{len(a)} folds")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
