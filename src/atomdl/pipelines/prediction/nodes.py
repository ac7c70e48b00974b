"""Prediction nodes: the chosen model fitted for new materials, its predictions, the Janus
screen. The library does the work (``atomdl.prediction``); MLflow is written by the catalog."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from atomdl.errors import AtomdlError
from atomdl.parameters import Prediction

logger = logging.getLogger(__name__)

FIGURE_FORMATS = ("png", "svg")


class BadMaterialsToPredictError(AtomdlError, ValueError):
    """The user's table of materials to predict cannot be used as a whole."""


#: what the MLflow run records of the results row predicted with
RECORD_KEYS = ("representation", "model", "mae_mean", "mae_std", "settings",
               "best_params_most_chosen")  # fmt: skip


def _representation(representations: dict, row: dict):
    """What the row's model reads beyond the amounts: its element representation, or that
    representation with the predicted properties (``<name>+oqmd``); none for a model that
    reads element amounts."""
    from atomdl.features import ElementVectors, WithPredictedProperties, parse_input_name
    from atomdl.models.registry import model_spec

    if model_spec(row["model"]).reads == "amounts":
        return None
    name, with_properties = parse_input_name(row["representation"])
    if name not in representations:
        raise KeyError(
            f"the results table names {row['representation']!r}, which the representation set lacks"
        )
    if with_properties:
        return WithPredictedProperties(ElementVectors(representations[name]))
    return representations[name]


def _fit(task: str, materials, representation, row: dict, params: Prediction, record: dict,
         store=None):  # fmt: skip
    from atomdl.prediction import fit_composition_predictor, fit_janus_predictor

    folds = params.tasks[task].uncertainty_folds or params.uncertainty_folds
    keywords = {"n_splits": folds, "seed": params.seed, "record": record, "store": store,
                "coverage": params.interval_coverage}  # fmt: skip
    chosen = (materials, representation, row["model"], row["params"])
    if task == "janus":
        return fit_janus_predictor(
            *chosen, classifier_grid=params.janus_classifier_grid, **keywords
        )
    return fit_composition_predictor(*chosen, **keywords)


def fit_predictor(
    materials: pd.DataFrame,
    element_representations: dict,
    cv_results: pd.DataFrame,
    params: dict[str, Any],
    task: str,
    store=None,
) -> tuple[object, dict, object]:
    """The task's model by configuration (``best``: the lowest nested-CV MAE), refitted on all
    of the task's materials and on each outer training part (for the spread), or taken from
    ``store`` (``atomdl.prediction.kept``) when kept for the same key; what was chosen, for
    the MLflow run; and the predictor again, for the catalog to serve as an MLflow model."""
    from atomdl.prediction import best_row

    params = Prediction.model_validate(params)
    choice = params.tasks[task]
    row = best_row(cv_results, choice.representation, choice.model)
    representation = _representation(element_representations, row)
    record = {key: row[key] for key in RECORD_KEYS}
    logger.info("%s: predicting with %s x %s (nested-CV MAE %.3f eV)",
                task, row["representation"], row["model"], row["mae_mean"])  # fmt: skip
    predictor = _fit(task, materials, representation, row, params, {"task": task, **record},
                     store)  # fmt: skip
    return predictor, _tracked(task, row, record, predictor.record), predictor


def _tracked(task: str, row: dict, record: dict, fitted: dict) -> dict:
    """What the MLflow run records of the row predicted with and of its fit (kept or new)."""
    fit = fitted["fit"]
    return {
        "params": {
            **{f"prediction.{task}.{k}": v for k, v in record.items() if k != "mae_mean"},
            f"prediction.{task}.fit_key": fit["key"],
        },
        "tags": {f"atomdl.prediction.{task}.refitted": str(fit["refitted"]).lower()},
        "metrics": {
            f"prediction.{task}.nested_cv_mae": row["mae_mean"],
            f"prediction.{task}.training_set_aside": fitted["training_set_aside"],
        },
    }


def predict_materials(
    predictor,
    materials: pd.DataFrame,
    chunk_size: int | None = Prediction.model_fields["chunk_size"].default,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions for the user's table, ``chunk_size`` rows at a time (memory bounded), and
    its rows that could not be used (with reasons)."""
    prediction = predictor.predict(materials, chunk_size)
    if len(prediction.rejected):
        logger.warning("%d of %d rows to predict set aside; see the reject report",
                       len(prediction.rejected), len(materials))  # fmt: skip
    flagged = int((~prediction.table["in_domain"].astype(bool)).sum())
    logger.info("Predicted %d materials (%d outside the training domain): %s",
                len(prediction.table), flagged, predictor.describe())  # fmt: skip
    return prediction.table, prediction.rejected


#: what reads each task's materials to predict (its ``check_columns`` says what a table needs)
def _predictor_class(task: str):
    from atomdl.prediction import CompositionPredictor, JanusPredictor

    return JanusPredictor if task == "janus" else CompositionPredictor


def check_materials_to_predict(materials: pd.DataFrame, task: str) -> pd.DataFrame:
    """The user's table, checked as a whole before any model is fitted: loading it checks its
    schema (``raw_<task>_to_predict``), and this node has no other input, so Kedro runs it
    before the nodes that fit (they take its output)."""
    try:
        _predictor_class(task).check_columns(materials.columns)
    except ValueError as error:
        raise BadMaterialsToPredictError(
            f"raw_{task}_to_predict: {error}. Fix the file named by that catalog entry "
            "(docs/prediction.md, 'From Kedro')."
        ) from None
    logger.info("%s: %d materials to predict", task, len(materials))
    return materials


def predict_task(
    materials_to_predict: pd.DataFrame,
    materials: pd.DataFrame,
    element_representations: dict,
    cv_results: pd.DataFrame,
    fitted_model_store,
    params: dict[str, Any],
    task: str,
) -> tuple[object, pd.DataFrame, pd.DataFrame, object, dict, object]:
    """The task's model fitted (``fit_predictor``), or taken from the store of fitted models
    when kept for the same key, and the user's table predicted. Returns the fit for the store
    (kept first: a valid fit whatever happens to the rest), then one set: predictions, reject
    report, predictor, MLflow record, and the predictor again for the catalog to log as the
    served model, last, so that a failed save leaves no model logged
    (``atomdl.hooks.VersionSetHooks`` removes the set's files this run saved before it)."""
    from atomdl.prediction.kept import kept_fit

    predictor, tracked, served = fit_predictor(
        materials, element_representations, cv_results, params, task, fitted_model_store
    )
    chunk_size = Prediction.model_validate(params).chunk_size
    table, rejected = predict_materials(predictor, materials_to_predict, chunk_size)
    return kept_fit(predictor), table, rejected, predictor, tracked, served


def _classifier_folds(predictor, materials: pd.DataFrame, params: Prediction, store=None):
    """Nested CV of the gapped-or-metallic classifier on what the regressor reads, or its
    folds kept in ``store`` for the same key; and what to keep (``KeptFit``)."""
    from atomdl.prediction import evaluate_gap_classifier, gap_table
    from atomdl.prediction.kept import KeptFit, classifier_cv_parts

    features, gapped, ids = gap_table(materials, predictor.inputs)
    features = features[predictor.feature_columns]
    cv, grid = params.janus_screening.classifier_cv, params.janus_classifier_grid
    settings = {"splits": cv.splits, "repeats": cv.repeats, "seed": cv.seed, "grid": grid}
    parts = classifier_cv_parts(features, gapped, ids, settings)
    about = (
        f"janus screen: classifier nested CV ({cv.splits} x {cv.repeats}) on {len(ids)} materials"
    )
    kept = store.take(parts, about) if store is not None else None
    if kept:
        folds = kept["folds"]
    else:
        folds = evaluate_gap_classifier(
            features, gapped, ids, n_splits=cv.splits, n_repeats=cv.repeats, seed=cv.seed,
            grid=grid,
        )  # fmt: skip
    return folds, KeptFit(parts, {"folds": folds}, about)


def _screening_record(predictor, ranked: pd.DataFrame, folds: pd.DataFrame) -> dict:
    scores = {
        f"screening.classifier_{m}_{s}": float(getattr(folds[m], s)())
        for m in ("accuracy", "roc_auc")
        for s in ("mean", "std")
    }
    called = ranked["called_gapped"]
    logger.info(
        "Janus screen: %d candidates, %d called gapped (%d of them in the training "
        "domain); classifier nested CV accuracy %.3f, ROC AUC %.3f",
        len(ranked), int(called.sum()),
        int((called & ranked["in_domain"] & ranked["m_in_training"]).sum()),
        scores["screening.classifier_accuracy_mean"], scores["screening.classifier_roc_auc_mean"],
    )  # fmt: skip
    metrics = {**scores, "screening.candidates": len(ranked),
               "screening.called_gapped": int(called.sum())}  # fmt: skip
    return {"metrics": metrics, "params": {"screening.regressor": predictor.describe()}}


def screen_janus(
    predictor, materials: pd.DataFrame, fitted_model_store, params: dict[str, Any]
) -> tuple[object, pd.DataFrame, pd.DataFrame, dict, dict, dict]:
    """The classifier's nested CV for the store (kept by key, like a fit: run once); candidates
    not in C2DB, classified gapped or metallic, gaps of those called gapped, ranked; the
    classifier's nested-CV scores; the heat map."""
    from atomdl.prediction import janus_candidates, rank_candidates, screening_heatmap

    params = Prediction.model_validate(params)
    screening = params.janus_screening
    candidates = janus_candidates(
        materials, screening.metals, screening.outer, screening.prototypes
    )
    prediction = predictor.predict(candidates)
    if len(prediction.rejected):
        logger.warning("%d candidates could not be featurized (%s)",
                       len(prediction.rejected), prediction.rejected["reason"].iloc[0])  # fmt: skip
    ranked = rank_candidates(prediction.table)  # the candidates' own columns carried through
    folds, kept = _classifier_folds(predictor, materials, params, fitted_model_store)
    figure = screening_heatmap(ranked)
    figures = [{f"janus_screening_heatmap.{fmt}": figure} for fmt in FIGURE_FORMATS]
    return kept, ranked, folds, _screening_record(predictor, ranked, folds), *figures
