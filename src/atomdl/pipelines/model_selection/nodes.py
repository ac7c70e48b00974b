"""Model-selection nodes: every representation x model under nested CV, tracked in MLflow."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

FIGURE_FORMATS = ("png", "svg")


def _task_of(tables: dict[str, pd.DataFrame]) -> str:
    tasks = {key.split("__", 1)[0] for key in tables}
    if len(tasks) != 1:
        raise ValueError(f"feature tables of one task expected, got tasks {sorted(tasks)}")
    return tasks.pop()


def _subsample(tables: dict, limit: int | None, seed: int) -> dict:
    """The same seeded subset of materials in every table (CPU-sized runs)."""
    ids = sorted(set.intersection(*(set(t["material_id"]) for t in tables.values())))
    if limit is None or limit >= len(ids):
        return tables
    keep = set(np.random.default_rng(seed).choice(ids, size=int(limit), replace=False))
    logger.info("Model selection on %d of %d materials (max_materials)", limit, len(ids))
    return {k: t.loc[t["material_id"].isin(keep)].reset_index(drop=True) for k, t in tables.items()}


def select_models(
    tables: dict[str, pd.DataFrame], options: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str, dict, dict]:
    """Nested CV (and the paper's protocol) for every representation x model of one task.

    Returns the results table, per-fold scores, out-of-fold predictions (Table-4 style, averaged
    over repeats), the results as Markdown, and the figures for the PNG and SVG writers.
    """
    from atomdl.evaluation.model_selection import (
        nested_cv,
        outer_folds,
        paper_protocol,
    )
    from atomdl.evaluation.tracking import log_selection_run

    task = _task_of(tables)
    reference = f"{task}__{options['reference']}"
    tables = dict(sorted(tables.items(), key=lambda item: (item[0] != reference, item[0])))
    settings = options["tasks"][task]
    outer = settings["outer"]
    tables = _subsample(tables, settings.get("max_materials"), outer["seed"])
    all_ids = set.union(*(set(t["material_id"]) for t in tables.values()))
    folds = outer_folds(sorted(all_ids), outer["splits"], outer["repeats"], outer["seed"])
    protocol = (
        f"nested CV: outer {outer['splits']}-fold x {outer['repeats']} repeats, inner "
        f"{options['inner_splits']}-fold grid search, {len(all_ids)} materials"
    )
    logger.info("%s: %s, %d representations", task, protocol, len(tables))
    rows, fold_scores, predictions = [], [], []
    for key, table in tables.items():
        representation = key.split("__", 1)[1]
        for model in options["models"]:
            grid = settings["grids"].get(model)
            result = nested_cv(table, model, grid, folds, options["inner_splits"],
                               outer["seed"], options["n_jobs"])  # fmt: skip
            paper = paper_protocol(table, model, grid, outer["splits"], outer["seed"],
                                   options["n_jobs"])  # fmt: skip
            labels = {"task": task, "representation": representation, "model": model}
            common = pd.Series(result.folds["best_params"]).mode().iloc[0]
            rows.append({**labels, "protocol": "nested", "n_materials": len(table),
                         **result.summary(), "best_params_most_chosen": common})  # fmt: skip
            rows.append({**labels, "protocol": "paper (optimistic)", "n_materials": len(table),
                         **{k: v for k, v in paper.items() if k.endswith(("_mean", "_std"))},
                         "best_params_most_chosen": paper["best_params"]})  # fmt: skip
            fold_scores.append(result.folds.assign(**labels))
            predictions.append(result.predictions.assign(**labels))
            log_selection_run(labels, grid, result, paper, protocol, options["log_models"])
            logger.info("%s x %s x %s: MAE %.3f +- %.3f (paper protocol %.3f)", task,
                        representation, model, result.summary()["mae_mean"],
                        result.summary()["mae_std"], paper["mae_mean"])  # fmt: skip
    results = pd.DataFrame(rows)
    results.insert(4, "settings", np.where(results["protocol"] == "nested", protocol,
                   f"grid search + {outer['splits']}-fold CV on the same data"))  # fmt: skip
    folds_table = pd.concat(fold_scores, ignore_index=True)
    results = _with_significance(results, folds_table, options["reference"])
    oof = pd.concat(predictions, ignore_index=True)
    figures = _figures(task, results, oof)
    table4 = _prediction_table(oof, tables)
    return (
        results,
        folds_table,
        table4,
        _markdown(results),
        *({f"{name}.{fmt}": figure for name, figure in figures.items()} for fmt in FIGURE_FORMATS),
    )


def _with_significance(results: pd.DataFrame, folds: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Corrected resampled t-test of each representation's per-fold MAE against the
    reference's, model by model, on the identical outer folds."""
    from atomdl.evaluation.model_selection import corrected_resampled_ttest

    results = results.assign(t_vs_reference=np.nan, p_vs_reference=np.nan)
    for (model, representation), group in folds.groupby(["model", "representation"]):
        base = folds.loc[(folds["model"] == model) & (folds["representation"] == reference)]
        if representation == reference or base.empty:
            continue
        paired = group.merge(base, on=["repeat", "fold"], suffixes=("", "_ref"))
        t, p = corrected_resampled_ttest(paired["mae"], paired["mae_ref"],
                                         int(paired["n_train"].mean()),
                                         int(paired["n_test"].mean()))  # fmt: skip
        where = ((results["model"] == model) & (results["representation"] == representation)
                 & (results["protocol"] == "nested"))  # fmt: skip
        results.loc[where, ["t_vs_reference", "p_vs_reference"]] = (t, p)
    return results


def _prediction_table(oof: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Table 4, for every material: target and each model x representation's out-of-fold
    prediction averaged over the repeats."""
    first = next(iter(tables.values()))[["material_id", "formula", "target"]]
    wide = (
        oof.groupby(["material_id", "model", "representation"])["prediction"]
        .mean()
        .unstack(["model", "representation"])
    )
    wide.columns = [f"{model}__{representation}" for model, representation in wide.columns]
    return first.merge(wide.reset_index(), on="material_id", how="left")


def _figures(task: str, results: pd.DataFrame, oof: pd.DataFrame) -> dict:
    from atomdl.evaluation.figures import mae_bar_chart, parity_grid

    nested = results.loc[results["protocol"] == "nested"]
    baseline = nested.loc[nested["model"] == "mean", "mae_mean"]
    learned = nested.loc[nested["model"] != "mean"]
    averaged = (
        oof.loc[oof["model"] != "mean"]
        .groupby(["model", "representation", "material_id"], sort=False)[["target", "prediction"]]
        .mean()
        .reset_index()
    )
    return {
        f"{task}_mae_by_model": mae_bar_chart(
            learned, f"{task}: MAE by model and representation (nested CV)",
            baseline.mean() if len(baseline) else None,
        ),
        f"{task}_parity": parity_grid(
            averaged, f"{task}: out-of-fold predictions (mean over repeats) against the target"
        ),
    }  # fmt: skip


def _markdown(results: pd.DataFrame) -> str:
    columns = ["task", "representation", "model", "protocol", "mae_mean", "mae_std", "rmse_mean",
               "r2_mean", "p_vs_reference"]  # fmt: skip
    settings = " / ".join(dict.fromkeys(results["settings"]))
    return f"Settings: {settings}\n\n" + results[columns].to_markdown(index=False, floatfmt=".3f")
