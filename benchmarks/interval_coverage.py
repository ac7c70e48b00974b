"""How well a predictor's 90% interval covers materials it has not seen, and how well a gated
model's probability of a gap is calibrated: measured on a protocol's outer folds.

Run:  python benchmarks/interval_coverage.py --task expt_gap --representation oliynyk+oqmd
          --model gated_hgb
          --per-fold docs/figures/model_selection/expt_gap_matbench_gated_hgb_per_fold.csv
          [--inner-splits 10] [--coverage 0.9] [--out oof.csv]
      python benchmarks/interval_coverage.py --task janus --representation atom_dl --model krr
          --per-fold docs/figures/model_selection/janus_per_fold.csv
      (after featurization: it reads the newest ``data/04_feature/<task>_features`` version;
      the ``+oqmd`` tables come from ``kedro run --env matbench --pipelines featurization``)

For every outer fold of the protocol the per-fold table comes from (Matbench v0.1's five folds
for expt_gap when its ``n_test`` says so, else ``MaterialKFold(5, repeats, 0)``), the model at
the settings that fold's inner search chose (``best_params``: chosen on that training part
only) is fitted as the prediction pipeline fits it (``atomdl.prediction.fitting.fit_models``:
one refit on the training part, five refits on its inner parts), and the fold's test materials
get the point prediction, the spread (``uncertainty``), the CV+ interval and, for a gated model,
the probability of a gap. Printed: the MAE of the refit on the training part and of the
mean and the median of the inner refits (an ensemble at no extra cost), coverage and mean
width of the interval beside the mean spread (and the +-2 spread band's coverage, what the
spread alone would give), fold by fold and over all; how many materials with a measured gap
above 2 eV are predicted below 0.1 eV; for a gated model the Brier score and a reliability
table. ``--out`` writes the out-of-fold table and, for a gated model, the reliability curve
(``<out>.png``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _table(task: str, representation: str) -> pd.DataFrame:
    versions = sorted((ROOT / "data/04_feature" / f"{task}_features").glob("*/"))
    paths = [v / f"{task}_features" / f"{task}__{representation}.parquet" for v in versions]
    paths = [p for p in paths if p.exists()]
    if not paths:
        sys.exit(f"no {task}__{representation} table: run `kedro run --pipelines featurization`")
    return pd.read_parquet(paths[-1])


def _splits(task: str, ids: np.ndarray, per_fold: pd.DataFrame):
    from atomdl.protocol.splits import MatbenchFolds, MaterialKFold

    repeats = int(per_fold["repeat"].max()) + 1
    matbench = task == "expt_gap" and repeats == 1 and per_fold["n_test"].isin([920, 921]).all()
    splitter = MatbenchFolds() if matbench else MaterialKFold(5, repeats, 0)
    return [(r, f, train, test) for (r, f), (train, test) in
            zip([(r, f) for r in range(repeats) for f in range(5)],
                splitter.split(ids, groups=ids), strict=True)]  # fmt: skip


def _fold(table, train, test, model, params, splits, coverage):
    from atomdl.prediction.base import gap_probability
    from atomdl.prediction.fitting import FitSpec, fit_models
    from atomdl.prediction.intervals import cv_plus_interval

    fitted = fit_models(table.iloc[train].reset_index(drop=True), FitSpec(model, params, splits))
    x = table.iloc[test][list(fitted.feature_columns)].to_numpy(dtype=float)
    members = np.stack([member.predict(x) for member in fitted.members])
    low, high = cv_plus_interval(members, fitted.residuals, fitted.folds, coverage)
    return pd.DataFrame(
        {
            "material_id": table.iloc[test]["material_id"].to_numpy(),
            "target": table.iloc[test]["target"].to_numpy(dtype=float),
            "predicted": np.clip(fitted.estimator.predict(x), 0, None),
            "spread": members.std(axis=0, ddof=1),
            "members_mean": np.clip(members.mean(axis=0), 0, None),
            "members_median": np.clip(np.median(members, axis=0), 0, None),
            "interval_low": np.clip(low, 0, None),
            "interval_high": np.clip(high, 0, None),
            "gap_probability": gap_probability(fitted.estimator, x),
        }
    )


def _summary(rows: pd.DataFrame) -> dict:
    covered = rows["target"].between(rows["interval_low"], rows["interval_high"])
    band = (rows["target"] - rows["predicted"]).abs() <= 2 * rows["spread"]
    return {
        "materials": len(rows),
        "mae": (rows["target"] - rows["predicted"]).abs().mean(),
        "mae_members_mean": (rows["target"] - rows["members_mean"]).abs().mean(),
        "mae_members_median": (rows["target"] - rows["members_median"]).abs().mean(),
        "coverage": covered.mean(),
        "mean_width": (rows["interval_high"] - rows["interval_low"]).mean(),
        "mean_spread": rows["spread"].mean(),
        "pm2_spread_coverage": band.mean(),
    }


def _calibration(rows: pd.DataFrame, out: Path | None) -> None:
    gapped = (rows["target"] > 0).astype(float)
    p = rows["gap_probability"]
    print(f"\nBrier score of the gap probability: {((p - gapped) ** 2).mean():.4f} "
          f"(always the base rate {gapped.mean():.3f}: "
          f"{((gapped.mean() - gapped) ** 2).mean():.4f})")  # fmt: skip
    bins = pd.cut(p, np.linspace(0, 1, 11), include_lowest=True)
    table = (
        pd.DataFrame({"p": p, "gapped": gapped})
        .groupby(bins, observed=True)
        .agg(
            materials=("p", "size"),
            mean_probability=("p", "mean"),
            gapped_fraction=("gapped", "mean"),
        )
    )
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    if out is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axis = plt.subplots(figsize=(4, 4))
        axis.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--")
        axis.plot(table["mean_probability"], table["gapped_fraction"], "o-")
        axis.set(xlabel="predicted probability of a gap", ylabel="fraction with a gap",
                 title="Gate calibration, out of fold")  # fmt: skip
        figure.tight_layout()
        figure.savefig(out.with_suffix(".png"), dpi=150)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", choices=["expt_gap", "janus"], required=True)
    parser.add_argument("--representation", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--per-fold", type=Path, required=True, help="a cv_folds / per_fold table")
    parser.add_argument("--coverage", type=float, default=0.9)
    parser.add_argument(
        "--inner-splits",
        type=int,
        default=5,
        help="refits on inner parts (prediction.uncertainty_folds)",
    )
    parser.add_argument("--repeats", type=int, default=None, help="only the first N repeats")
    parser.add_argument("--out", type=Path, default=None, help="out-of-fold CSV to write")
    args = parser.parse_args(argv)
    per_fold = pd.read_csv(args.per_fold)
    per_fold = per_fold[(per_fold["representation"] == args.representation)
                        & (per_fold["model"] == args.model)]  # fmt: skip
    if per_fold.empty:
        sys.exit(f"{args.per_fold} has no {args.representation} x {args.model} rows")
    table = _table(args.task, args.representation)
    ids = table["material_id"].astype(str).to_numpy()
    chosen = {(int(r), int(f)): json.loads(p) for r, f, p in
              per_fold[["repeat", "fold", "best_params"]].itertuples(index=False)}  # fmt: skip
    started, parts = time.perf_counter(), []
    for repeat, fold, train, test in _splits(args.task, ids, per_fold):
        if args.repeats is not None and repeat >= args.repeats:
            break
        rows = _fold(
            table, train, test, args.model, chosen[(repeat, fold)], args.inner_splits, args.coverage
        )
        parts.append(rows.assign(repeat=repeat, fold=fold))
        summary = _summary(rows)
        print(
            f"repeat {repeat} fold {fold}: "
            + ", ".join(
                f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in summary.items()
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    print(f"\n{args.task}: {args.representation} x {args.model}, {args.coverage:.0%} CV+ interval "
          f"over {args.inner_splits} inner refits, "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    for key, value in _summary(rows).items():
        print(f"  {key}: {value:.4f}" if isinstance(value, float) else f"  {key}: {value}")
    wide = rows["target"] > 2.0
    print(f"  measured gap > 2 eV predicted < 0.1 eV: {int((rows['predicted'][wide] < 0.1).sum())}"
          f" of {int(wide.sum())}")  # fmt: skip
    if rows["gap_probability"].notna().all():
        _calibration(rows, args.out)
    if args.out is not None:
        rows.to_csv(args.out, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
