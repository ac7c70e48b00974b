"""Model-selection nodes: every representation x model under nested CV (one comparison per
task), its tables and figures, and its nested MLflow runs."""

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


def selection_inputs(tables: dict[str, pd.DataFrame], options: dict[str, Any], task: str):
    """``compare_representations``' arguments for ``task``: the tables by representation
    (``<task>__<representation>`` in, subsampled to ``max_materials``), the models, the grids,
    the ``Protocol`` and the ``Execution`` that ``options`` (params:model_selection) give."""
    from atomdl.execution.executor import Execution
    from atomdl.parameters import ModelSelection
    from atomdl.protocol.plan import Protocol
    from atomdl.protocol.splits import MatbenchFolds

    options = ModelSelection.model_validate(options)
    prefix = f"{task}__"
    strangers = sorted(key for key in tables if not key.startswith(prefix))
    if strangers:
        raise ValueError(f"feature tables of task {task!r} expected, also got {strangers}")
    settings, parallel, outer = options.tasks[task], options.parallel, options.tasks[task].outer
    tables = _subsample(tables, settings.max_materials, outer.seed)
    splitter = MatbenchFolds(outer.matbench_rows) if outer.scheme == "matbench" else None
    protocol = Protocol(options.reference, outer.splits, outer.repeats, outer.seed,
                        options.inner_splits, settings.paper_protocol, splitter)  # fmt: skip
    execution = Execution(parallel.backend, parallel.n_jobs, parallel.address, options.unit_cache)
    by_name = {key.removeprefix(prefix): table for key, table in tables.items()}
    models = settings.models or options.models
    return by_name, models, settings.grids, protocol, execution


def select_models(tables: dict[str, pd.DataFrame], options: dict[str, Any], task: str):
    """Nested CV (and the paper's protocol) for every representation x model of ``task``.
    ``tables``: the task's feature tables, keyed ``<task>__<representation>``
    (featurization); the pipeline names the task. Returns the ``Comparison``."""
    from atomdl.protocol.compare import compare_representations

    by_name, models, grids, protocol, execution = selection_inputs(tables, options, task)
    logger.info("%s: %d representations", task, len(by_name))
    return compare_representations(by_name, models, grids, protocol, execution)


def selection_tables(comparison, task: str) -> tuple:
    """The results table, per-fold scores, out-of-fold predictions (Table-4 style, averaged
    over repeats, every material of any table), the results as Markdown, and the results
    table again for prediction to choose its model from."""
    from atomdl.protocol.reports import results_markdown

    logger.info("%s: %s", task, comparison.settings)
    results = comparison.results.copy()
    results.insert(0, "task", task)
    folds = comparison.folds.assign(task=task)
    table4 = comparison.materials.merge(
        comparison.prediction_table().drop(columns="target"), on="material_id", how="left"
    )
    return results, folds, table4, results_markdown(results), results


def selection_figures(comparison, task: str) -> tuple[dict, dict]:
    """The MAE bar chart and the parity grid, for the PNG and the SVG writers."""
    from atomdl.protocol.figures import mae_bar_chart, parity_grid
    from atomdl.protocol.results import NESTED, averaged_over_repeats

    results, oof = comparison.results, comparison.predictions.assign(task=task)
    nested = results.loc[results["protocol"] == NESTED]
    baseline = nested.loc[nested["model"] == "mean", "mae_mean"]
    learned = nested.loc[nested["model"] != "mean"]
    averaged = averaged_over_repeats(oof.loc[oof["model"] != "mean"], ["model", "representation"])
    figures = {
        f"{task}_mae_by_model": mae_bar_chart(
            learned, f"{task}: MAE by model and representation (nested CV)",
            baseline.mean() if len(baseline) else None,
        ),
        f"{task}_parity": parity_grid(
            averaged, f"{task}: out-of-fold predictions (mean over repeats) against the target"
        ),
    }  # fmt: skip
    return tuple({f"{name}.{fmt}": f for name, f in figures.items()} for fmt in FIGURE_FORMATS)


def log_selection_runs(comparison, options: dict[str, Any], task: str) -> None:
    """A nested MLflow run per representation x model of the comparison (none without an
    active run)."""
    from atomdl.parameters import ModelSelection
    from atomdl.tracking.selection import log_selection_runs as log_runs

    options = ModelSelection.model_validate(options)
    log_runs(comparison, task, options.tasks[task].grids, options.log_models)
