"""The comparison's tables: results (one row per representation x model x protocol), folds,
out-of-fold predictions, Table 4, and the results in Markdown headed by the protocol in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from atomdl.protocol.results import CVResult, PairResult, averaged_over_repeats

__all__ = ["Comparison", "describe_protocol", "materials", "results_markdown", "tabulate"]


@dataclass(frozen=True)
class Comparison:
    """Every representation x model of one task, scored on the same outer folds."""

    results: pd.DataFrame  # per representation x model x protocol: summaries, t/p vs reference
    folds: pd.DataFrame  # per outer fold: scores and chosen parameters
    predictions: pd.DataFrame  # out-of-fold predictions, every repeat
    settings: str  # the nested protocol, in words
    pairs: tuple[PairResult, ...] = ()  # each pair's results, in the order of the plan
    materials: pd.DataFrame | None = None  # material_id, formula, target of any table's rows

    def prediction_table(self) -> pd.DataFrame:
        """Table 4 for every material: the target and each model x representation's
        out-of-fold prediction, averaged over the repeats."""
        targets = self.predictions.drop_duplicates("material_id")[["material_id", "target"]]
        averaged = averaged_over_repeats(self.predictions, ["model", "representation"])
        wide = averaged.pivot(index="material_id", columns=["model", "representation"],
                              values="prediction")  # fmt: skip
        wide.columns = [f"{model}__{representation}" for model, representation in wide.columns]
        return targets.merge(wide.reset_index(), on="material_id", how="left")

    def markdown(self) -> str:
        return results_markdown(self.results)


def results_markdown(results: pd.DataFrame) -> str:
    """The results table in Markdown, headed by the protocols that made it."""
    columns = ["task", "representation", "model", "protocol", "mae_mean", "mae_std", "rmse_mean",
               "r2_mean", "p_vs_reference"]  # fmt: skip
    settings = " / ".join(dict.fromkeys(results["settings"]))
    table = results[[c for c in columns if c in results.columns]]
    return f"Settings: {settings}\n\n" + table.to_markdown(index=False, floatfmt=".3f")


def describe_protocol(
    n_splits: int, n_repeats: int, inner_splits: int, n_materials: int, matbench: bool = False
) -> str:
    """The nested protocol in words, as results tables and MLflow runs carry it."""
    outer = "Matbench v0.1 folds (5)" if matbench else f"{n_splits}-fold x {n_repeats} repeats"
    return (
        f"nested CV: outer {outer}, inner {inner_splits}-fold grid search, {n_materials} materials"
    )


def materials(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every material of any table (its first row's id, formula and target), so that one a
    representation set aside still has its row in Table 4."""
    targets = pd.concat([t[["material_id", "formula", "target"]] for t in tables.values()])
    return targets.drop_duplicates("material_id")


def tabulate(
    pairs: Sequence[PairResult], settings: str, paper_settings: str, rows=None
) -> Comparison:
    """The comparison's tables from each pair's results (no tests: ``statistics``)."""
    results, folds, predictions = [], [], []
    for pair in pairs:
        labels = {"representation": pair.representation, "model": pair.model}
        results.append(_results_row(pair.nested, labels, settings, pair.n_materials))
        if pair.paper is not None:
            results.append(_results_row(pair.paper, labels, paper_settings, pair.n_materials))
        folds.append(pair.nested.folds.assign(**labels))
        predictions.append(pair.nested.predictions.assign(**labels))
    return Comparison(pd.DataFrame(results), pd.concat(folds, ignore_index=True),
                      pd.concat(predictions, ignore_index=True), settings, tuple(pairs),
                      rows)  # fmt: skip


def _results_row(result: CVResult, labels: dict, settings: str, n_materials: int) -> dict:
    return {**labels, "protocol": result.protocol, "settings": settings,
            "n_materials": n_materials, **result.summary(),
            "best_params_most_chosen": result.best_params}  # fmt: skip
