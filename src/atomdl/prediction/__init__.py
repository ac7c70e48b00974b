"""Band gaps of new materials from the models that model selection chose, and a Janus screen.

No Kedro here: ``fit_composition_predictor`` / ``fit_janus_predictor`` build a frozen predictor
(``CompositionPredictor`` / ``JanusPredictor``, over ``BandGapPredictor``) from ingestion's
tables and what the model reads; ``predict_band_gaps`` answers for formulas or Janus M/X/Y +
prototype, with an uncertainty and domain flags.
"""

from atomdl.prediction.base import (
    BandGapPredictor,
    FitSpec,
    Prediction,
    predict_band_gaps,
)
from atomdl.prediction.composition import CompositionPredictor, fit_composition_predictor
from atomdl.prediction.janus import (
    JanusPredictor,
    fit_janus_predictor,
    gap_classifier,
    gap_table,
)
from atomdl.prediction.screening import (
    evaluate_gap_classifier,
    janus_candidates,
    rank_candidates,
    screening_heatmap,
)
from atomdl.prediction.structures import JanusStructureModel

__all__ = [
    "BandGapPredictor",
    "CompositionPredictor",
    "FitSpec",
    "JanusPredictor",
    "JanusStructureModel",
    "Prediction",
    "best_row",
    "evaluate_gap_classifier",
    "fit_composition_predictor",
    "fit_janus_predictor",
    "gap_classifier",
    "gap_table",
    "janus_candidates",
    "predict_band_gaps",
    "rank_candidates",
    "screening_heatmap",
]


def best_row(results, representation: str = "best", model: str = "best") -> dict:
    """The model-selection results row to predict with: ``best`` picks the lowest nested-CV
    MAE (the mean predictor excluded) among the rows the other argument allows. Returns the
    row as a dict, with ``params`` parsed from its most-chosen parameters."""
    import json

    from atomdl.protocol.results import NESTED

    rows = results.loc[(results["protocol"] == NESTED) & (results["model"] != "mean")]
    for column, wanted in (("representation", representation), ("model", model)):
        if wanted != "best":
            if wanted not in set(rows[column]):
                raise ValueError(
                    f"{column} {wanted!r} is not in the results table; it has "
                    f"{sorted(set(results[column]))}"
                )
            rows = rows.loc[rows[column] == wanted]
    if rows.empty:
        raise ValueError(f"no nested-CV row for representation={representation}, model={model}")
    row = rows.sort_values("mae_mean", kind="stable").iloc[0].to_dict()
    row["params"] = json.loads(row["best_params_most_chosen"])
    return row
