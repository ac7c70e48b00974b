"""Prediction nodes: the chosen model fitted for new materials, its predictions, the Janus
screen. The library does the work (``atomdl.prediction``); MLflow is written by the catalog."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

FIGURE_FORMATS = ("png", "svg")


def fit_predictor(
    materials: pd.DataFrame,
    element_representations: dict,
    cv_results: pd.DataFrame,
    options: dict[str, Any],
    task: str,
) -> tuple[object, dict, object]:
    """The task's model by configuration (``best``: the lowest nested-CV MAE), refitted on all
    of the task's materials and on each outer training part (for the spread); what was chosen,
    for the MLflow run; and the predictor again, for the catalog to serve as an MLflow model."""
    from atomdl.finetuning.features import COMPOSITION, composition_representation
    from atomdl.prediction import best_row, fit_composition_predictor, fit_janus_predictor

    settings = options["tasks"][task]
    row = best_row(cv_results, settings["representation"], settings["model"])
    name = row["representation"]
    if name == COMPOSITION:  # the fine-tuned encoder's input, not a set of element vectors
        element_representations = {**element_representations, name: composition_representation()}
    if name not in element_representations:
        raise KeyError(f"the results table names {name!r}, which the representation set lacks")
    record = {
        key: row[key]
        for key in (
            "representation",
            "model",
            "mae_mean",
            "mae_std",
            "settings",
            "best_params_most_chosen",
        )
    }
    logger.info(
        "%s: predicting with %s x %s (nested-CV MAE %.3f eV)",
        task,
        name,
        row["model"],
        row["mae_mean"],
    )
    fit = fit_composition_predictor if task == "expt_gap" else fit_janus_predictor
    extra = {} if task == "expt_gap" else {"classifier_grid": options["janus_classifier_grid"]}
    predictor = fit(
        materials,
        element_representations[name],
        row["model"],
        row["params"],
        n_splits=options["uncertainty_folds"],
        seed=options["seed"],
        record={"task": task, **record},
        **extra,
    )
    tracked = {
        "params": {f"prediction.{task}.{k}": v for k, v in record.items() if k != "mae_mean"},
        "metrics": {
            f"prediction.{task}.nested_cv_mae": row["mae_mean"],
            f"prediction.{task}.training_set_aside": predictor.record["training_set_aside"],
        },
    }
    return predictor, tracked, predictor


def predict_materials(predictor, materials: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions for the user's table, and its rows that could not be used (with reasons)."""
    prediction = predictor.predict(materials)
    if len(prediction.rejected):
        logger.warning(
            "%d of %d rows to predict set aside; see the reject report",
            len(prediction.rejected),
            len(materials),
        )
    flagged = int((~prediction.table["in_domain"].astype(bool)).sum())
    logger.info(
        "Predicted %d materials (%d outside the training domain): %s",
        len(prediction.table),
        flagged,
        predictor.describe(),
    )
    return prediction.table, prediction.rejected


def screen_janus(
    predictor, materials: pd.DataFrame, options: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, dict, dict, dict]:
    """Candidates not in C2DB, classified gapped or metallic, gaps of those called gapped,
    ranked; the classifier's nested-CV scores; the heat map."""
    from atomdl.prediction import (
        evaluate_gap_classifier,
        gap_table,
        janus_candidates,
        rank_candidates,
        screening_heatmap,
    )

    settings = options["janus_screening"]
    candidates = janus_candidates(
        materials, settings["metals"], settings["outer"], settings["prototypes"]
    )
    prediction = predictor.predict(candidates)
    if len(prediction.rejected):
        logger.warning(
            "%d candidates could not be featurized (%s)",
            len(prediction.rejected),
            prediction.rejected["reason"].iloc[0],
        )
    ranked = rank_candidates(prediction.table)  # the candidates' own columns carried through
    features, gapped, ids = gap_table(materials, predictor.representation)
    cv = settings["classifier_cv"]
    folds = evaluate_gap_classifier(
        features[predictor.feature_columns],
        gapped,
        ids,
        n_splits=cv["splits"],
        n_repeats=cv["repeats"],
        seed=cv["seed"],
        grid=options["janus_classifier_grid"],
    )
    scores = {
        f"screening.classifier_{m}_{s}": float(getattr(folds[m], s)())
        for m in ("accuracy", "roc_auc")
        for s in ("mean", "std")
    }
    called = ranked["called_gapped"]
    logger.info(
        "Janus screen: %d candidates, %d called gapped (%d of them in the training "
        "domain); classifier nested CV accuracy %.3f, ROC AUC %.3f",
        len(ranked),
        int(called.sum()),
        int((called & ranked["in_domain"] & ranked["m_in_training"]).sum()),
        scores["screening.classifier_accuracy_mean"],
        scores["screening.classifier_roc_auc_mean"],
    )
    record = {
        "metrics": {
            **scores,
            "screening.candidates": len(ranked),
            "screening.called_gapped": int(called.sum()),
        },
        "params": {"screening.regressor": predictor.describe()},
    }
    figure = screening_heatmap(ranked)
    figures = [{f"janus_screening_heatmap.{fmt}": figure} for fmt in FIGURE_FORMATS]
    return ranked, folds, record, *figures
