"""Band gaps of Janus MXY monolayers (M, X, Y and a prototype) from the model chosen for C2DB's
Janus task, with their structure estimated and a gapped-or-metallic classifier (Kedro-free)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from atomdl.chemistry import element_symbols, parse_formula
from atomdl.features import ModelInput, model_input
from atomdl.materials.janus import assign_sites
from atomdl.prediction.base import (
    BandGapPredictor,
    FitSpec,
    featurized,
    fit_models,
    set_aside,
    training_rows,
)
from atomdl.prediction.fitting import gap_classifier
from atomdl.prediction.kept import FittedModelStore, fit_key, fit_parts, table_digest
from atomdl.prediction.structures import JanusStructureModel
from atomdl.representations import Representation

__all__ = [
    "JANUS_PROTOTYPE_NAMES",
    "JanusPredictor",
    "canonical_sites",
    "fit_janus_predictor",
    "gap_classifier",
    "gap_table",
    "janus_keys",
]

logger = logging.getLogger(__name__)

JANUS_PROTOTYPE_NAMES = ("2H", "1T")


def canonical_sites(sites) -> tuple[str, str, str]:
    """(M, X, Y) of three different elements by ingestion's site rule
    (``atomdl.materials.janus.assign_sites``), whatever order they are given in: the same
    material always gets the same sites, so the same features and the same answer."""
    try:
        return assign_sites("".join(sites))
    except ValueError as error:
        raise ValueError(getattr(error, "reason", str(error))) from None


def janus_keys(rows: pd.DataFrame) -> list[str]:
    """One key per Janus material: its canonical sites and prototype (a training material
    whose true structure puts another atom in the middle is found by its elements too)."""
    keys = []
    for m, x, y, p in zip(rows["m"], rows["x"], rows["y"], rows["prototype"], strict=True):
        try:
            m, x, y = canonical_sites((m, x, y))
        except ValueError:
            pass  # no rule order (two elements of the lowest group): as given
        keys.append(f"{m}{x}{y} {p}")
    return keys


@dataclass(frozen=True, kw_only=True)
class JanusPredictor(BandGapPredictor):
    """Predicts for a table with ``m, x, y`` or an MXY ``formula``, and ``prototype`` (2H or
    1T); the structure is estimated, and the classifier says how likely a gap is.

    The three elements are put on their sites by ingestion's rule (:func:`canonical_sites`)
    whatever order the row gives them in (``Mo, Se, S`` is MoSSe, as ``MoSeS`` is); the order
    given is kept in ``given_sites`` (``Mo,Se,S``)."""

    structures: JanusStructureModel  # a, c and positions of materials C2DB does not have
    classifier: object  # gapped (1) or metallic (0), predict_proba
    kind: ClassVar[str] = "janus"
    leading_columns: ClassVar[tuple[str, ...]] = (
        "row", "formula", "m", "x", "y", "prototype", "given_sites",
    )  # fmt: skip

    def input_example(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"m": ["Mo", "W"], "x": ["S", "S"], "y": ["Se", "Te"], "prototype": ["2H", "2H"]}
        )

    @classmethod
    def check_columns(cls, columns) -> None:
        """Refuse a table that cannot be predicted as a whole (before any model is fitted)."""
        columns = list(columns)
        if "prototype" not in columns or not (
            {"m", "x", "y"} <= set(columns) or "formula" in columns
        ):
            raise ValueError(
                "Janus input needs a 'prototype' column (2H or 1T) and either 'm', 'x', 'y' or "
                f"a 'formula' (MXY); got {columns}"
            )

    def materials_inputs(self, materials: pd.DataFrame):
        self.check_columns(materials.columns)
        known_symbols = element_symbols()
        rejects, rows = [], []
        for row, record in enumerate(materials.to_dict("records")):
            described = record.get("formula") or "".join(str(record.get(s, "")) for s in "mxy")
            try:
                (m, x, y), given = _janus_sites(record, known_symbols)
                prototype = str(record["prototype"]).strip()
                if prototype not in JANUS_PROTOTYPE_NAMES:
                    raise ValueError(
                        f"prototype {prototype!r} is not one of {JANUS_PROTOTYPE_NAMES}"
                    )
            except ValueError as error:
                rejects.append({"row": row, "formula": described, "reason": str(error)})
                continue
            rows.append((row, f"{m}{x}{y}", m, x, y, prototype, given))
        candidates = pd.DataFrame(rows, columns=list(self.leading_columns))
        if len(candidates):
            candidates = self.structures.estimate(candidates)
        candidates["elements"] = [
            [m, x, y]
            for m, x, y in zip(candidates["m"], candidates["x"], candidates["y"], strict=True)
        ]
        return featurized(
            materials,
            candidates.assign(uid=candidates["row"].astype(str), band_gap=np.nan),
            rejects,
            self.inputs.janus,
            janus_keys,
        )

    def answers(self, table: pd.DataFrame, features: np.ndarray) -> pd.DataFrame:
        probability = self.classifier.predict_proba(features)[:, 1]
        table["gap_probability"] = probability
        table["called_gapped"] = probability >= 0.5
        return table


def _janus_sites(record: dict, known_symbols) -> tuple[tuple[str, str, str], str]:
    """The row's canonical (M, X, Y), and its elements in the order given (``Mo,Se,S``)."""
    if all(pd.notna(record.get(s)) and str(record.get(s)).strip() for s in "mxy"):
        sites = tuple(str(record[s]).strip() for s in "mxy")
        unknown = [s for s in sites if s not in known_symbols]
        if unknown:
            raise ValueError(f"not element symbols: {' '.join(unknown)}")
        if len(set(sites)) != 3:
            raise ValueError(f"M, X, Y must be three different elements, got {' '.join(sites)}")
        return canonical_sites(sites), ",".join(sites)
    formula = record.get("formula")
    if formula is None or pd.isna(formula):
        raise ValueError("no M, X, Y and no formula")
    try:
        sites = assign_sites(str(formula))  # also refuses Mo2SSe, what is not M1X1Y1
    except ValueError as error:
        raise ValueError(getattr(error, "reason", str(error))) from None
    return sites, ",".join(parse_formula(str(formula)))


def fit_janus_predictor(
    materials: pd.DataFrame,
    representation: Representation | ModelInput | None,
    model: str,
    params: Mapping,
    *,
    n_splits: int | str = 5,
    seed: int = 0,
    classifier_grid: Mapping | None = None,
    record: Mapping | None = None,
    store: FittedModelStore | None = None,
    coverage: float = 0.9,
) -> JanusPredictor:
    """From ingestion's Janus table: the regressor on the gapped materials (as the Janus task
    is scored), the structure estimate and the gapped-or-metallic classifier on all of them.
    ``representation``: whose vectors M, X, Y get; ``None`` for a model that reads amounts.
    ``store``: fitted models kept by key (``atomdl.prediction.kept``), taken when it matches.
    ``coverage``: of the prediction interval (``atomdl.prediction.intervals``)."""
    inputs = model_input(model, representation)
    gapped = materials.loc[materials["has_gap"].astype(bool)].reset_index(drop=True)
    built = inputs.janus(gapped)
    record = set_aside(built.rejected, inputs.name, record)
    by_uid = gapped.set_index(gapped["uid"].astype(str)).loc[built.table["material_id"]]
    spec = FitSpec(model, dict(params), n_splits, seed)
    features, gapped_or_not, _ = gap_table(materials, inputs)
    settings = {"n_splits": n_splits, "seed": seed, "classifier_grid": classifier_grid or {}}
    training = table_digest(built.table, features, gapped_or_not, materials)
    parts = fit_parts(training, inputs.name, model, spec.params, settings)
    what = f"{record.get('task', 'janus')}: {inputs.name} x {model}"
    models = store.take(parts, what) if store is not None else None
    if models:
        fitted, structures, classifier = (models[k] for k in ("fitted", "structures", "classifier"))
    else:
        fitted = fit_models(built.table, spec)
        structures = JanusStructureModel.fit(materials)
        search = gap_classifier(classifier_grid, seed)
        classifier = search.fit(features[list(fitted.feature_columns)], gapped_or_not)
    record = {**record, "fit": {"key": fit_key(parts), "parts": parts, "refitted": not models}}
    predictor = JanusPredictor(
        inputs=inputs,
        spec=spec,
        fitted=fitted,
        training=_known_materials(materials, by_uid, built.table, fitted),
        training_elements=frozenset(by_uid["m"]) | frozenset(by_uid["x"]) | frozenset(by_uid["y"]),
        record=record,
        coverage=coverage,
        structures=structures,
        classifier=classifier,
    )
    logger.info("%s %s", "Fitted" if not models else "Took the kept fit of", predictor.describe())
    return predictor


def _known_materials(materials, by_uid, table, fitted) -> pd.DataFrame:
    """The gapped training materials with their out-of-fold predictions, and the metallic
    ones with their known gap of 0 (the regressor never saw them)."""
    metallic = materials.loc[~materials["has_gap"].astype(bool)]
    return pd.concat(
        [
            training_rows(janus_keys(by_uid), table, fitted),
            pd.DataFrame(
                {
                    "key": janus_keys(metallic),
                    "material_id": metallic["uid"].astype(str),
                    "known_target": 0.0,
                    "out_of_fold_prediction": np.nan,
                }
            ),
        ],
        ignore_index=True,
    )


def gap_table(materials: pd.DataFrame, inputs: ModelInput):
    """Every Janus material (gapped and metallic) as the classifier sees it: the features, 1 for
    gapped and 0 for metallic, and the material ids. ``inputs``: what the regressor reads
    (``predictor.inputs``)."""
    built = inputs.janus(
        materials.assign(gapped=materials["has_gap"].astype(float)), target="gapped"
    )
    return (
        built.features,
        built.table["target"].astype(int).to_numpy(),
        built.table["material_id"].to_numpy(),
    )
