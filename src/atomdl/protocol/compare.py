"""Representations compared under one protocol: plan -> execute -> assemble -> tabulate ->
test, each a separate call (the modules of ``atomdl.protocol`` and ``atomdl.execution``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from atomdl.execution.executor import Execution, executor
from atomdl.protocol import assemble, run
from atomdl.protocol.plan import Protocol, Rows, make_plan, pair_plan
from atomdl.protocol.reports import Comparison, materials, tabulate
from atomdl.protocol.results import CVResult
from atomdl.protocol.statistics import significance

__all__ = ["compare_representations", "nested_cv", "paper_protocol"]

Grid = Sequence[dict] | dict | None


def compare_representations(
    tables: Mapping[str, pd.DataFrame],
    models: Sequence[str],
    grids: Mapping[str, Grid],
    protocol: Protocol | None = None,
    execution: Execution | None = None,
) -> Comparison:
    """Nested CV of each model on each representation's feature table (keyed by name), on
    outer folds drawn once from all materials; the paper's protocol beside it when
    ``protocol.paper``; each representation's per-fold MAE tested against
    ``protocol.reference``'s, model by model. Every outer fold and paper run is one unit of
    work, run where ``execution`` says; the results do not depend on where."""
    protocol = protocol or Protocol()
    plan = make_plan(tables, models, grids, protocol)
    with (execution or Execution()).executor() as execute:
        pairs = assemble.assemble(plan, execute(plan.units))
    comparison = tabulate(pairs, plan.settings, plan.paper_settings, materials(tables))
    if protocol.reference is None:
        return comparison
    tested = significance(comparison.results, comparison.folds, protocol.reference)
    return dataclasses.replace(comparison, results=tested)


def nested_cv(
    table: pd.DataFrame,
    model: str,
    grid: Grid,
    folds: pd.DataFrame,
    inner_splits: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
) -> CVResult:
    """Outer folds from ``outer_folds``; inside each outer training part, a grid search by
    inner ``inner_splits``-fold CV on MAE, refitted on that part and scored on the outer test
    fold. Materials of ``folds`` absent from ``table`` are left out of both sides. The outer
    folds run on ``n_jobs`` processes (the results do not depend on it)."""
    protocol = Protocol(seed=seed, inner_splits=inner_splits, paper=False)
    pair = pair_plan(Rows.of(table), model, grid, folds, protocol)
    with executor("processes", n_jobs) as execute:
        return assemble.nested_result(pair, execute(pair.units))


def paper_protocol(
    table: pd.DataFrame, model: str, grid: Grid, n_splits: int = 5, seed: int = 0
) -> CVResult:
    """The paper's protocol: grid search by 5-fold CV on all data, then 5-fold CV of the chosen
    settings on the same folds (repeat 0). Optimistic: the settings were chosen on the test
    rows. The result's ``estimator`` is the choice refitted on all rows: the model to use."""
    rows = Rows.of(table)
    outcome = run.paper_run(model, run.prefixed_grid(grid), n_splits, seed, rows.features,
                            rows.target)  # fmt: skip
    return assemble.paper_result(rows, outcome)
