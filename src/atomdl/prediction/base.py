"""The shared base of the band-gap predictors: fitted models, their record, domain checks and
``predict``; each kind of input (compositions, Janus monolayers) is a subclass.

A predictor is one row of a model-selection results table made usable: what the model reads
(``atomdl.features.model_input``), the estimator with the row's most-chosen parameters refitted
on every material of the task, and the same estimator refitted on each outer training part of
the protocol's first repeat. The refits on the outer parts give

* the **uncertainty**: the standard deviation of their predictions (how much the answer moves
  when a fifth of the training materials is left out; a spread, not a calibrated interval);
* the **interval** (``interval_low``, ``interval_high``) at the predictor's ``coverage``: CV+
  over those refits and the training materials' out-of-fold residuals
  (``atomdl.prediction.intervals``), an interval with a measured coverage;
* for a model with a metal gate, the **probability of a gap** (``gap_probability``);
* for a material of the training set, its **out-of-fold prediction** (from the refit that did
  not see it) beside its known target: what to trust for a material you already know.

Inputs outside the training data are flagged, not refused: an element no training material
contains (``unseen_elements``), or features outside the training range (``features_outside``,
how many). Inputs that cannot be featurized at all are rejected with the row and the reason
(``atomdl.rejects``). A predictor is frozen: built once by its fit function, never changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from atomdl.features import FeatureTable, ModelInput
from atomdl.materials.janus import POSITION_COLUMNS
from atomdl.prediction.fitting import FitSpec, FittedModels, fit_models
from atomdl.prediction.intervals import cv_plus_interval, interval_ranks
from atomdl.rejects import reject_table

__all__ = [
    "CHUNK_SIZE",
    "PREDICTION_COLUMNS",
    "BandGapPredictor",
    "FitSpec",
    "FittedModels",
    "Prediction",
    "featurized",
    "fit_models",
    "gap_probability",
    "predict_band_gaps",
    "set_aside",
    "training_rows",
]

logger = logging.getLogger(__name__)

PREDICTION_COLUMNS = [
    "predicted_band_gap",
    "uncertainty",
    "interval_low",
    "interval_high",
    "gap_probability",
    "unseen_elements",
    "features_outside",
    "in_domain",
    "known_target",
    "out_of_fold_prediction",
]
#: rows predicted at a time by default: memory bounded (a kernel model's kernel of 10,000 rows x
#: 4,604 training materials is 370 MB) and per-chunk overhead negligible
CHUNK_SIZE = 10_000
#: columns of a featurized row to predict that are the predictor's, not the user's
_INTERNAL = ("uid", "band_gap", "target", "amounts", *POSITION_COLUMNS)


@dataclass(frozen=True)
class Prediction:
    """Predicted rows (``row`` = 0-based input row) and the rows set aside, with reasons."""

    table: pd.DataFrame
    rejected: pd.DataFrame  # atomdl.rejects.REJECT_COLUMNS

    def combined(self, materials: pd.DataFrame | None = None) -> pd.DataFrame:
        """One row per input row, in input order; a rejected row has no prediction and its
        reason in ``rejected_reason``, and the other columns of ``materials`` (the input) as
        given."""
        rejected = pd.DataFrame(  # the values, typed as the table's own columns would be
            {
                "row": self.rejected["row"].to_numpy(dtype=int),
                "formula": [None if pd.isna(v) else v for v in self.rejected["formula"]],
                "rejected_reason": [None if pd.isna(v) else v for v in self.rejected["reason"]],
            }
        )
        if materials is not None and len(rejected):
            given = materials.iloc[rejected["row"]].reset_index(drop=True)
            given = given.drop(columns=[c for c in given.columns if c in rejected.columns])
            rejected = pd.concat([rejected, given], axis=1)
        if rejected.empty:  # a concat with no rows would still make the user's integers floats
            table = self.table.assign(rejected_reason=pd.Series([None] * len(self.table)))
        else:
            table = pd.concat([self.table, rejected], ignore_index=True)
        return table.sort_values("row", kind="stable").reset_index(drop=True)


def training_rows(keys: Iterable[str], table: pd.DataFrame, fitted: FittedModels) -> pd.DataFrame:
    """The training materials as a predictor looks them up: key, material_id, known_target,
    out_of_fold_prediction."""
    return pd.DataFrame(
        {
            "key": list(keys),
            "material_id": table["material_id"].astype(str).to_numpy(),
            "known_target": table["target"].to_numpy(dtype=float),
            "out_of_fold_prediction": fitted.out_of_fold,
        }
    )


def set_aside(rejected: pd.DataFrame, name: str, record: Mapping | None) -> dict:
    """Training materials the model's input cannot be built for are left out, as model
    selection left them out when it scored this row; the count goes into the record."""
    record = {**(record or {}), "training_set_aside": len(rejected)}
    if len(rejected):
        logger.warning(
            "%s lacks elements of %d training materials (first: %s: %s); fitted on the rest, as "
            "model selection scored it",
            name, len(rejected), rejected.iloc[0]["formula"], rejected.iloc[0]["reason"],
        )  # fmt: skip
    return record


@dataclass(frozen=True, kw_only=True)
class BandGapPredictor:
    """A fitted model of one task x input x model, ready for new materials."""

    inputs: ModelInput  # what the model reads: a representation's vectors, or element amounts
    spec: FitSpec
    fitted: FittedModels
    training: pd.DataFrame  # training_rows
    training_elements: frozenset[str]
    record: Mapping  # where the choice came from
    coverage: float = 0.9  # of the prediction interval (atomdl.prediction.intervals)
    kind: ClassVar[str]  # what the predictor reads a material as
    leading_columns: ClassVar[tuple[str, ...]]  # of its prediction table, before the answers

    def __post_init__(self) -> None:
        interval_ranks(len(self.fitted.residuals), self.coverage)  # a coverage in (0, 1)

    @property
    def model(self) -> str:
        return self.spec.model

    @property
    def params(self) -> dict:
        return dict(self.spec.params)

    @property
    def estimator(self):
        return self.fitted.estimator

    @property
    def members(self) -> tuple:
        return self.fitted.members

    @property
    def feature_columns(self) -> list[str]:
        return list(self.fitted.feature_columns)

    def describe(self) -> str:
        return (
            f"{self.kind} band gaps: {self.inputs.name} x {self.model} "
            f"{json.dumps(self.params, sort_keys=True)}, trained on {len(self.training)} "
            f"materials, {len(self.members)} outer-fold refits"
        )

    def input_example(self) -> pd.DataFrame | None:
        """An input the served model shows as its example (``mlflow models serve`` docs)."""
        return None

    @classmethod
    def check_columns(cls, columns) -> None:
        """Refuse (``ValueError``) a table that cannot be predicted as a whole, before anything
        is fitted for it (a subclass says which columns it needs)."""

    def materials_inputs(self, materials: pd.DataFrame):
        """(inputs with features, rejects, training keys) of the rows to predict."""
        raise NotImplementedError

    def answers(self, table: pd.DataFrame, features: np.ndarray) -> pd.DataFrame:
        """Columns a kind of predictor adds after the shared ones (none here)."""
        return table

    def predict(
        self,
        materials: pd.DataFrame | Iterable[str],
        chunk_size: int | None = CHUNK_SIZE,
    ) -> Prediction:
        """Predict for a table (see the subclass for its columns) or a list of formulas.

        ``chunk_size`` rows at a time (``None``: all at once): parsed, featurized, predicted and
        flagged chunk by chunk, so that memory stays bounded whatever the input's length (a
        kernel model's kernel is rows x training materials); the answer is the one pass's, row
        for row (rows and rejects numbered in the whole input)."""
        if not isinstance(materials, pd.DataFrame):
            materials = pd.DataFrame({"formula": list(materials)})
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f"chunk_size: a number of rows (>= 1) or None, not {chunk_size}")
        if chunk_size is None or len(materials) <= chunk_size:
            return self._predict_chunk(materials)
        self.check_columns(materials.columns)  # a table that cannot be read fails before any work
        known = self._known()
        tables, rejects = [], []
        for start in range(0, len(materials), chunk_size):
            chunk = materials.iloc[start : start + chunk_size].reset_index(drop=True)
            part = self._predict_chunk(chunk, known)
            if len(part.table):
                tables.append(part.table.assign(row=part.table["row"].to_numpy() + start))
            if len(part.rejected):
                rejects.append(part.rejected.assign(row=part.rejected["row"] + start))
        if not tables or not rejects:  # the columns and types of none, as one pass has them
            empty = self._predict_chunk(materials.iloc[:0], known)
        table = pd.concat(tables, ignore_index=True) if tables else empty.table
        rejected = pd.concat(rejects, ignore_index=True) if rejects else empty.rejected
        return Prediction(table, rejected)

    def _known(self) -> pd.DataFrame:
        """The training materials by key: one row per material (a composition written twice in
        the training set, Fe2O3 and Fe4O6, gets the mean of its targets and out-of-fold
        predictions)."""
        return self.training.groupby("key")[["known_target", "out_of_fold_prediction"]].mean()

    def _interval(self, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """CV+ at ``coverage`` from the members' predictions, clipped at 0 as the answer is (a
        band gap is not negative, so the clip keeps the coverage)."""
        fitted = self.fitted
        low, high = cv_plus_interval(spread, fitted.residuals, fitted.folds, self.coverage)
        return np.clip(low, 0.0, None), np.clip(high, 0.0, None)

    def _predict_chunk(self, materials: pd.DataFrame, known: pd.DataFrame | None = None):
        """One pass over ``materials`` (rows numbered from 0)."""
        inputs, rejected, keys = self.materials_inputs(materials)
        if inputs.empty:
            empty = pd.DataFrame(columns=[*self.leading_columns, *PREDICTION_COLUMNS])
            return Prediction(empty, rejected)
        features = inputs[self.feature_columns].to_numpy(dtype=float)
        table = inputs.drop(columns=self.feature_columns)
        # a band gap is not negative; a regressor's answer can be (the spread is taken as is)
        table["predicted_band_gap"] = np.clip(self.estimator.predict(features), 0.0, None)
        spread = np.stack([member.predict(features) for member in self.members])
        table["uncertainty"] = spread.std(axis=0, ddof=1)
        low, high = self._interval(spread)
        table["interval_low"], table["interval_high"] = low, high
        table["gap_probability"] = gap_probability(self.estimator, features)
        table["unseen_elements"] = [
            " ".join(sorted(set(elements) - self.training_elements))
            for elements in inputs["elements"]
        ]
        low, high = self.fitted.low, self.fitted.high
        tolerance = 1e-9 * (high - low) + 1e-12
        outside = (features < low - tolerance) | (features > high + tolerance)
        table["features_outside"] = outside.sum(axis=1)
        table["in_domain"] = (table["unseen_elements"] == "") & (table["features_outside"] == 0)
        known = self._known() if known is None else known
        for column in ("known_target", "out_of_fold_prediction"):
            table[column] = keys.map(known[column]).to_numpy(dtype=float)
        table = self.answers(table, features)
        return Prediction(table.drop(columns=["elements"]).reset_index(drop=True), rejected)


def gap_probability(estimator, features: np.ndarray) -> np.ndarray:
    """The probability of a gap from a model with a metal gate (``TwoStageRegressor``, alone or
    last in a pipeline); NaN for a model without one."""
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    if not hasattr(final, "gap_probability"):
        return np.full(len(features), np.nan)
    inputs = estimator[:-1].transform(features) if hasattr(estimator, "steps") else features
    return final.gap_probability(inputs)


def predict_band_gaps(
    materials: pd.DataFrame | Iterable[str],
    predictor: BandGapPredictor,
    chunk_size: int | None = CHUNK_SIZE,
) -> pd.DataFrame:
    """Predicted band gaps (eV) with uncertainty and domain flags, one row per input row;
    rejected rows say why in ``rejected_reason`` (see ``BandGapPredictor.predict``, which
    predicts ``chunk_size`` rows at a time)."""
    if not isinstance(materials, pd.DataFrame):
        materials = pd.DataFrame({"formula": list(materials)})
    return predictor.predict(materials, chunk_size).combined(materials)


def featurized(materials, candidates, rejects, build, keys_of):
    """Featurize ``candidates`` (rows to predict that passed the input checks) with ``build``
    (``inputs.compositions`` or ``inputs.janus``); rows whose elements the input lacks join
    ``rejects``. Returns (inputs with features, the prediction rejects, training keys)."""
    if candidates.empty:
        rejected = reject_table("prediction", rejects)
        return candidates, rejected.sort_values("row").reset_index(drop=True), pd.Series([])
    built: FeatureTable = build(candidates)
    kept_rows = built.table["material_id"].astype(int).to_numpy()
    for item in built.rejected.itertuples(index=False):
        rejects.append(
            {"row": int(item.material_id), "formula": item.formula,
             "representation": item.representation, "missing_elements": item.missing_elements,
             "reason": f"{item.representation} has no vector for {item.missing_elements}"}
        )  # fmt: skip
    kept = candidates.set_index("row").loc[kept_rows].reset_index()
    extra = [c for c in materials.columns if c not in kept.columns]
    originals = materials.iloc[kept_rows][extra].reset_index(drop=True)
    features = built.features.reset_index(drop=True)
    descriptive = kept.drop(columns=[c for c in _INTERNAL if c in kept.columns])
    inputs = pd.concat([descriptive, originals, features], axis=1)
    rejected = reject_table("prediction", rejects).sort_values("row")
    return inputs, rejected.reset_index(drop=True), pd.Series(keys_of(kept))
