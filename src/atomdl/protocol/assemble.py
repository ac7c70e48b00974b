"""Outcomes of units of work -> results: the nested and the paper protocol alike make a
:class:`~atomdl.protocol.results.CVResult`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import pandas as pd

from atomdl.protocol.plan import Pair, Plan, Rows
from atomdl.protocol.results import NESTED, PAPER, CVResult, PairResult, regression_metrics

__all__ = ["assemble", "cv_result", "nested_result", "paper_result"]

logger = logging.getLogger(__name__)


def cv_result(protocol: str, parts, outcomes, rows: Rows, estimator=None) -> CVResult:
    """Folds and predictions from ``(repeat, fold, train, test)`` parts and, per part, the
    ``(predictions, best_params)`` made on its test rows."""
    ids, target = rows.ids, rows.target
    fold_rows, prediction_rows = [], []
    for (repeat, fold, train, test), (predicted, best_params) in zip(parts, outcomes, strict=True):
        fold_rows.append({"repeat": repeat, "fold": fold, "n_train": len(train),
                          "n_test": len(test), **regression_metrics(target[test], predicted),
                          "best_params": best_params})  # fmt: skip
        prediction_rows.append(pd.DataFrame({"repeat": repeat, "fold": fold,
                                             "material_id": ids[test], "target": target[test],
                                             "prediction": predicted}))  # fmt: skip
    return CVResult(protocol, pd.DataFrame(fold_rows),
                    pd.concat(prediction_rows, ignore_index=True), estimator)  # fmt: skip


def nested_result(pair: Pair, outcomes: Iterable) -> CVResult:
    """The nested result of a pair from the outcomes of its nested units, in order."""
    return cv_result(NESTED, pair.parts, list(outcomes), pair.rows)


def paper_result(rows: Rows, outcome) -> CVResult:
    """The paper protocol's result from its unit's ``(parts, outcomes, chosen)``."""
    parts, outcomes, chosen = outcome
    return cv_result(PAPER, parts, outcomes, rows, estimator=chosen)


def assemble(plan: Plan, outcomes: Iterator) -> list[PairResult]:
    """Each pair's results from the outcomes of ``plan.units``, taken in that order."""
    results = []
    for pair in plan.pairs:
        nested = nested_result(pair, [next(outcomes) for _ in pair.nested])
        paper = paper_result(pair.rows, next(outcomes)) if pair.paper is not None else None
        results.append(PairResult(pair.representation, pair.model, len(pair.rows.ids), nested,
                                  paper))  # fmt: skip
        summary = nested.summary()
        aside = f" (paper protocol {paper.summary()['mae_mean']:.3f})" if paper else ""
        logger.info("%s x %s: MAE %.3f +- %.3f%s", pair.representation, pair.model,
                    summary["mae_mean"], summary["mae_std"], aside)  # fmt: skip
    return results
