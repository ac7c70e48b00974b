"""Model-selection nodes: every representation x model under nested CV, tracked in MLflow."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

FIGURE_FORMATS = ("png", "svg")


def _subsample(tables: dict, limit: int | None, seed: int) -> dict:
    """The same seeded subset of materials in every table (CPU-sized runs)."""
    ids = sorted(set.intersection(*(set(t["material_id"]) for t in tables.values())))
    if limit is None or limit >= len(ids):
        return tables
    keep = set(np.random.default_rng(seed).choice(ids, size=int(limit), replace=False))
    logger.info("Model selection on %d of %d materials (max_materials)", limit, len(ids))
    return {k: t.loc[t["material_id"].isin(keep)].reset_index(drop=True) for k, t in tables.items()}


def select_models(
    tables: dict[str, pd.DataFrame], options: dict[str, Any], task: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str, dict, dict, pd.DataFrame]:
    """Nested CV (and the paper's protocol) for every representation x model of ``task``, each
    pair tracked as a nested MLflow run. ``tables``: the task's feature tables, keyed
    ``<task>__<representation>`` (featurization); the pipeline names the task.

    Returns the results table, per-fold scores, out-of-fold predictions (Table-4 style, averaged
    over repeats), the results as Markdown, the figures for the PNG and SVG writers, and the
    results table again for prediction to choose its model from.
    """
    from atomdl.evaluation.model_selection import (
        compare_representations,
        describe_protocol,
        results_markdown,
    )
    from atomdl.evaluation.tracking import log_selection_run

    prefix = f"{task}__"
    strangers = sorted(key for key in tables if not key.startswith(prefix))
    if strangers:
        raise ValueError(f"feature tables of task {task!r} expected, also got {strangers}")
    settings = options["tasks"][task]
    parallel = options.get("parallel", {})
    outer = settings["outer"]
    tables = _subsample(tables, settings.get("max_materials"), outer["seed"])
    by_name = {key.removeprefix(prefix): table for key, table in tables.items()}
    materials = set().union(*(set(map(str, t["material_id"])) for t in tables.values()))
    matbench = outer.get("scheme", "materials") == "matbench"
    splitter = None
    if matbench:
        from atomdl.evaluation.splits import MatbenchFolds

        splitter = MatbenchFolds(outer.get("matbench_rows", 4604))
    protocol = describe_protocol(outer["splits"], outer["repeats"], options["inner_splits"],
                                 len(materials), matbench)  # fmt: skip
    logger.info("%s: %s, %d representations", task, protocol, len(by_name))

    def track(representation, model, nested, paper):
        labels = {"task": task, "representation": representation, "model": model}
        log_selection_run(labels, settings["grids"].get(model), nested, paper, protocol,
                          options["log_models"])  # fmt: skip

    comparison = compare_representations(
        by_name, settings.get("models") or options["models"], settings["grids"],
        reference=options["reference"],
        n_splits=outer["splits"], n_repeats=outer["repeats"], seed=outer["seed"],
        inner_splits=options["inner_splits"], on_result=track,
        paper=settings.get("paper_protocol", True),
        backend=parallel.get("backend", "processes"), n_jobs=parallel.get("n_jobs", 1),
        address=parallel.get("address"), splitter=splitter, cache=options.get("unit_cache"),
    )  # fmt: skip
    results = comparison.results.copy()
    results.insert(0, "task", task)
    folds = comparison.folds.assign(task=task)
    oof = comparison.predictions.assign(task=task)
    # every material of any table, so one a representation set aside still has its row
    targets = pd.concat([t[["material_id", "formula", "target"]] for t in tables.values()])
    table4 = targets.drop_duplicates("material_id").merge(
        comparison.prediction_table().drop(columns="target"), on="material_id", how="left"
    )
    figures = _figures(task, results, oof)
    return (
        results,
        folds,
        table4,
        results_markdown(results),
        *({f"{name}.{fmt}": figure for name, figure in figures.items()} for fmt in FIGURE_FORMATS),
        results,
    )


def _figures(task: str, results: pd.DataFrame, oof: pd.DataFrame) -> dict:
    from atomdl.evaluation.model_selection import averaged_over_repeats
    from atomdl.protocol.figures import mae_bar_chart, parity_grid

    nested = results.loc[results["protocol"] == "nested"]
    baseline = nested.loc[nested["model"] == "mean", "mae_mean"]
    learned = nested.loc[nested["model"] != "mean"]
    averaged = averaged_over_repeats(oof.loc[oof["model"] != "mean"], ["model", "representation"])
    return {
        f"{task}_mae_by_model": mae_bar_chart(
            learned, f"{task}: MAE by model and representation (nested CV)",
            baseline.mean() if len(baseline) else None,
        ),
        f"{task}_parity": parity_grid(
            averaged, f"{task}: out-of-fold predictions (mean over repeats) against the target"
        ),
    }  # fmt: skip
