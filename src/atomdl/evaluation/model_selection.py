"""Honest model selection for small property tasks (paper section 4, done with nested CV).

The paper tunes RF, KRR and SVR by grid search and reports 5-fold CV on the same data, which
lets the hyper-parameters see every test row. Here the default is nested cross-validation: an
outer K-fold split, repeated with different seeds, and a grid search inside each outer training
part only. Outer folds are drawn from the sorted material ids alone, so every representation is
scored on identical folds and can be compared pair-wise (corrected resampled t-test, Nadeau &
Bengio 2003). Scaling is a step of the estimator pipeline, fitted on training rows only.
The paper's own protocol is kept (``paper_protocol``), labelled, for comparison.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from atomdl.features.schema import ID_COLUMNS

logger = logging.getLogger(__name__)

__all__ = [
    "MODELS",
    "CVResult",
    "Comparison",
    "averaged_over_repeats",
    "compare_representations",
    "corrected_resampled_ttest",
    "describe_protocol",
    "make_estimator",
    "nested_cv",
    "outer_folds",
    "paper_protocol",
    "prefixed_grid",
    "regression_metrics",
    "results_markdown",
]

from atomdl.models.registry import FINETUNE_MODELS, MODELS, make_estimator  # noqa: F401


def runs_on(representation: str, model: str) -> bool:
    """A model that reads element amounts runs on the composition table; one that reads
    vectors on every other table."""
    from atomdl.features.schema import AMOUNTS_TABLE as COMPOSITION

    return (MODELS[model].reads == "amounts") == (representation == COMPOSITION)


def prefixed_grid(grid: Sequence[dict] | dict | None) -> list[dict]:
    """A scikit-learn parameter grid (a dict or a list of dicts) addressed to the model step."""
    if not grid:
        return []
    grids = [grid] if isinstance(grid, dict) else list(grid)
    return [{f"model__{key}": list(values) for key, values in g.items()} for g in grids]


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    return {
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "r2": float(r2_score(y_true, y_pred)),
    }


def outer_folds(
    material_ids: Sequence[str], n_splits: int = 5, n_repeats: int = 10, seed: int = 0
) -> pd.DataFrame:
    """One row per (repeat, fold, material): which outer test fold each material falls in
    (``MaterialKFold.assignments``, the splitter scikit-learn can use as ``cv=``).

    Drawn from the sorted unique ids, so any table of the same materials, in any row order and
    with any features, gets the same folds.
    """
    from atomdl.evaluation.splits import MaterialKFold

    return MaterialKFold(n_splits, n_repeats, seed).assignments(material_ids)


NESTED = "nested"
PAPER = "paper (optimistic)"


@dataclass(frozen=True)
class CVResult:
    """What one protocol (nested CV, or the paper's) made of one table x model: scores per
    outer fold, out-of-fold predictions, and (the paper protocol) the model refitted on all
    rows. Summaries are taken over every fold of every repeat, here only."""

    protocol: str  # NESTED or PAPER
    folds: pd.DataFrame  # repeat, fold, n_train, n_test, mae, rmse, r2, best_params
    predictions: pd.DataFrame  # repeat, fold, material_id, target, prediction
    estimator: object | None = None  # refitted on all rows (the paper protocol's choice)

    def summary(self) -> dict[str, float]:
        out = {}
        for metric in ("mae", "rmse", "r2"):
            out[f"{metric}_mean"] = float(self.folds[metric].mean())
            out[f"{metric}_std"] = (
                float(self.folds[metric].std(ddof=1)) if len(self.folds) > 1 else 0.0
            )
        return out

    def averaged(self) -> pd.DataFrame:
        """Each material's out-of-fold prediction averaged over the repeats."""
        return averaged_over_repeats(self.predictions)

    @property
    def best_params(self) -> str:
        """The parameters chosen most often over the folds (JSON)."""
        return pd.Series(self.folds["best_params"]).mode().iloc[0]


def averaged_over_repeats(predictions: pd.DataFrame, labels: Sequence[str] = ()) -> pd.DataFrame:
    """Out-of-fold predictions (and targets) averaged over the repeats: one row per ``labels``
    (model, representation, ...) x material, in the order they first appear."""
    columns = ["target", "prediction"]
    grouped = predictions.groupby([*labels, "material_id"], sort=False)[columns]
    return grouped.mean().reset_index()


def _result(protocol, parts, outcomes, ids, target, estimator=None) -> CVResult:
    """Folds and predictions from ``(repeat, fold, train, test)`` parts and, per part, the
    ``(predictions, best_params)`` made on its test rows."""
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


def _split(table: pd.DataFrame):
    missing = [c for c in ID_COLUMNS if c not in table.columns]
    if missing:
        raise KeyError(f"a feature table needs the columns {missing}")
    ids = table["material_id"].astype(str).to_numpy()
    if len(set(ids)) != len(ids):
        raise ValueError("material ids repeat in the feature table")
    features = table.drop(columns=list(ID_COLUMNS)).to_numpy(dtype=float)
    return ids, features, table["target"].to_numpy(dtype=float)


def _search(model: str, grid: list[dict], inner_splits: int, seed: int):
    """The estimator to fit on a training part, and the parameters it fixes when the grid has
    a single point: that point is the model a grid search would refit, so the inner fits that
    could only confirm it are skipped. The search makes GridSearchCV's choice on the same inner
    folds, faster (``atomdl.evaluation.search``)."""
    from sklearn.model_selection import KFold, ParameterGrid

    from atomdl.evaluation.search import SharedSplitSearch

    estimator = make_estimator(model, seed)
    points = list(ParameterGrid(grid)) if grid else [{}]
    if len(points) == 1:
        return estimator.set_params(**points[0]), points[0]
    if model in FINETUNE_MODELS:
        raise ValueError(
            f"{model} is not grid-searched (early stopping chooses its epochs): give its grid "
            f"one point, not {len(points)}"
        )
    inner = KFold(n_splits=inner_splits, shuffle=True, random_state=seed)
    return SharedSplitSearch(model, grid, inner, seed), None


def _best_params(search, fixed: dict | None) -> str:
    params = search.best_params_ if fixed is None else fixed
    return json.dumps({key.removeprefix("model__"): value for key, value in params.items()},
                      sort_keys=True)  # fmt: skip


def nested_cv(
    table: pd.DataFrame,
    model: str,
    grid: Sequence[dict] | dict | None,
    folds: pd.DataFrame,
    inner_splits: int = 5,
    seed: int = 0,
    n_jobs: int = 1,
) -> CVResult:
    """Outer folds from ``outer_folds``; inside each outer training part, a grid search by
    inner ``inner_splits``-fold CV on MAE, refitted on that part and scored on the outer test
    fold. Materials of ``folds`` absent from ``table`` are left out of both sides. The outer
    folds run on ``n_jobs`` processes (the results do not depend on it)."""
    from atomdl.evaluation.parallel import executor

    plan = _NestedPlan(table, model, grid, folds, inner_splits, seed)
    with executor("processes", n_jobs) as run:
        return plan.result(list(run(plan.calls)))


class _NestedPlan:
    """The outer folds of one (table, model) as independent units of work, and the result they
    make together."""

    def __init__(self, table, model, grid, folds, inner_splits, seed):
        self.ids, features, self.target = _split(table)
        position = pd.Series(np.arange(len(self.ids)), index=self.ids)
        grid = prefixed_grid(grid)
        self.parts, self.calls = [], []
        for (repeat, fold), members in folds.groupby(["repeat", "fold"], sort=True):
            test = position.reindex(members["material_id"]).dropna().astype(int).to_numpy()
            train = np.setdiff1d(np.arange(len(self.ids)), test)
            self.parts.append((int(repeat), int(fold), train, test))
            self.calls.append((_outer_fold, (model, grid, inner_splits, seed + int(repeat),
                                             features, self.target, train, test)))  # fmt: skip

    def result(self, outcomes: list) -> CVResult:
        return _result(NESTED, self.parts, outcomes, self.ids, self.target)


def _outer_fold(model, grid, inner_splits, seed, features, target, train, test):
    """One outer fold: the inner search on its training part, predictions on its test part."""
    with _one_openmp_thread():
        search, fixed = _search(model, grid, inner_splits, seed)
        search.fit(features[train], target[train])
        return search.predict(features[test]), _best_params(search, fixed)


def _one_openmp_thread():
    """Units of work run side by side (one per process); gradient boosting's OpenMP threads
    would fight over the cores instead: on 60 rows, 3 s per fit against 0.06 s with one."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def paper_protocol(
    table: pd.DataFrame,
    model: str,
    grid: Sequence[dict] | dict | None,
    n_splits: int = 5,
    seed: int = 0,
) -> CVResult:
    """The paper's protocol: grid search by 5-fold CV on all data, then 5-fold CV of the chosen
    settings on the same folds (repeat 0). Optimistic: the settings were chosen on the test
    rows. The result's ``estimator`` is the choice refitted on all rows: the model to use."""
    from sklearn.base import clone
    from sklearn.model_selection import KFold

    ids, features, target = _split(table)
    search, fixed = _search(model, prefixed_grid(grid), n_splits, seed)
    splitter = KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    parts, outcomes = [], []
    with _one_openmp_thread():
        search.fit(features, target)
        chosen = search if fixed is not None else search.best_estimator_
        best_params = _best_params(search, fixed)
        for fold, (train, test) in enumerate(splitter.split(features)):
            fitted = clone(chosen).fit(features[train], target[train])
            parts.append((0, fold, train, test))
            outcomes.append((fitted.predict(features[test]), best_params))
    return _result(PAPER, parts, outcomes, ids, target, estimator=chosen)


def corrected_resampled_ttest(
    a: Sequence[float], b: Sequence[float], n_train: int, n_test: int
) -> tuple[float, float]:
    """Nadeau & Bengio's corrected resampled t-test of paired per-fold scores.

    Overlapping training sets make per-fold scores correlated; the variance of the mean
    difference is inflated by (1/J + n_test/n_train) instead of 1/J. Returns (t, two-sided p);
    (0, 1) when the two are identical on every fold.
    """
    difference = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    folds = len(difference)
    if folds < 2:
        raise ValueError("the corrected t-test needs at least two paired folds")
    variance = difference.var(ddof=1)
    if variance == 0:
        return (
            (0.0, 1.0)
            if difference.mean() == 0
            else (float(np.sign(difference.mean()) * np.inf), 0.0)
        )
    t = difference.mean() / np.sqrt((1 / folds + n_test / n_train) * variance)
    return float(t), float(2 * stats.t.sf(abs(t), df=folds - 1))


@dataclass(frozen=True)
class Comparison:
    """Every representation x model of one task, scored on the same outer folds."""

    results: pd.DataFrame  # per representation x model x protocol: summaries, t/p vs reference
    folds: pd.DataFrame  # per outer fold: scores and chosen parameters
    predictions: pd.DataFrame  # out-of-fold predictions, every repeat
    settings: str  # the nested protocol, in words

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


def compare_representations(
    tables: Mapping[str, pd.DataFrame],
    models: Sequence[str],
    grids: Mapping[str, Sequence[dict] | dict | None],
    *,
    reference: str | None = None,
    n_splits: int = 5,
    n_repeats: int = 10,
    seed: int = 0,
    inner_splits: int = 5,
    n_jobs: int = 1,
    paper: bool = True,
    on_result: Callable[[str, str, CVResult, CVResult | None], None] | None = None,
    backend: str = "processes",
    address: str | None = None,
    splitter=None,
    cache=None,
) -> Comparison:
    """Nested CV of each model on each representation's feature table (keyed by name), on
    outer folds drawn once from all materials; the paper's protocol beside it when ``paper``;
    each representation's per-fold MAE tested against ``reference``'s, model by model.

    ``on_result(representation, model, nested, paper)`` (``CVResult``s) is called after each pair
    (to track it, say) so a long comparison reports as it goes. Every outer fold and paper run
    is one unit of work, run by ``backend`` (``atomdl.evaluation.parallel``: ``n_jobs`` local
    processes, or a Dask cluster at ``address``); the results do not depend on where.
    ``splitter`` (``atomdl.evaluation.splits``) replaces the outer ``n_splits`` x ``n_repeats``
    split, e.g. by ``MatbenchFolds()``. ``cache``: a folder keeping finished units, so that an
    interrupted comparison resumes (``atomdl.evaluation.parallel.UnitCache``).
    """
    if reference is not None and reference not in tables:
        raise KeyError(f"reference {reference!r} is not among the tables {sorted(tables)}")
    from atomdl.evaluation.parallel import executor

    ordered = sorted(tables, key=lambda name: (name != reference, name))
    all_ids = sorted(set().union(*(set(map(str, t["material_id"])) for t in tables.values())))
    from atomdl.evaluation.splits import MatbenchFolds, MaterialKFold

    splitter = splitter or MaterialKFold(n_splits, n_repeats, seed)
    folds = splitter.assignments(all_ids)
    settings = describe_protocol(splitter.n_splits, splitter.n_repeats, inner_splits,
                                 len(all_ids), isinstance(splitter, MatbenchFolds))  # fmt: skip
    pairs = [(r, m) for r in ordered for m in models if runs_on(r, m)]
    if not pairs:
        raise ValueError(f"no model of {list(models)} runs on the tables {ordered}")
    plans = {
        (name, model): _NestedPlan(tables[name], model, grids.get(model), folds, inner_splits, seed)
        for name, model in pairs
    }
    calls = []
    for name, model in pairs:
        calls += plans[(name, model)].calls
        if paper:
            calls.append((paper_protocol, (tables[name], model, grids.get(model), n_splits, seed)))
    rows, fold_scores, predictions = [], [], []
    with executor(backend, n_jobs, address, cache) as run:
        outcomes = run(calls)
        for representation, model in pairs:
            table, plan = tables[representation], plans[(representation, model)]
            result = plan.result([next(outcomes) for _ in plan.calls])
            outcome = next(outcomes) if paper else None
            labels = {"representation": representation, "model": model}
            rows.append(_results_row(result, labels, settings, len(table)))
            if outcome is not None:
                paper_settings = f"grid search + {n_splits}-fold CV on the same data"
                rows.append(_results_row(outcome, labels, paper_settings, len(table)))
            fold_scores.append(result.folds.assign(**labels))
            predictions.append(result.predictions.assign(**labels))
            summary = result.summary()
            aside = f" (paper protocol {outcome.summary()['mae_mean']:.3f})" if outcome else ""
            logger.info("%s x %s: MAE %.3f +- %.3f%s", representation, model,
                        summary["mae_mean"], summary["mae_std"], aside)  # fmt: skip
            if on_result is not None:
                on_result(representation, model, result, outcome)
    fold_table = pd.concat(fold_scores, ignore_index=True)
    results = pd.DataFrame(rows)
    if reference is not None:
        results = _significance(results, fold_table, reference)
    return Comparison(results, fold_table, pd.concat(predictions, ignore_index=True), settings)


def describe_protocol(
    n_splits: int, n_repeats: int, inner_splits: int, n_materials: int, matbench: bool = False
) -> str:
    """The nested protocol in words, as results tables and MLflow runs carry it."""
    outer = "Matbench v0.1 folds (5)" if matbench else f"{n_splits}-fold x {n_repeats} repeats"
    return (
        f"nested CV: outer {outer}, inner {inner_splits}-fold grid search, {n_materials} materials"
    )


def _results_row(result: CVResult, labels: dict, settings: str, n_materials: int) -> dict:
    return {**labels, "protocol": result.protocol, "settings": settings,
            "n_materials": n_materials, **result.summary(),
            "best_params_most_chosen": result.best_params}  # fmt: skip


def _significance(results: pd.DataFrame, folds: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Corrected resampled t-test of each representation's per-fold MAE against the
    reference's, model by model, on the identical outer folds (nested rows only). A fine-tuned
    model, which the reference has no row of, is tested against the reference's best model
    (lowest nested MAE, the mean predictor left out); ``reference_model`` names the row."""
    results = results.assign(t_vs_reference=np.nan, p_vs_reference=np.nan, reference_model="")
    nested = results.loc[(results["protocol"] == NESTED) & (results["model"] != "mean")]
    own = nested.loc[nested["representation"] == reference]
    best = own.loc[own["mae_mean"].idxmin(), "model"] if len(own) else None
    for (model, representation), group in folds.groupby(["model", "representation"]):
        against = best if model in FINETUNE_MODELS else model
        base = folds.loc[(folds["model"] == against) & (folds["representation"] == reference)]
        if representation == reference or base.empty:
            continue
        paired = group.merge(base, on=["repeat", "fold"], suffixes=("", "_ref"))
        t, p = corrected_resampled_ttest(paired["mae"], paired["mae_ref"],
                                         int(paired["n_train"].mean()),
                                         int(paired["n_test"].mean()))  # fmt: skip
        where = ((results["model"] == model) & (results["representation"] == representation)
                 & (results["protocol"] == NESTED))  # fmt: skip
        results.loc[where, ["t_vs_reference", "p_vs_reference"]] = (t, p)
        results.loc[where, "reference_model"] = against
    return results
