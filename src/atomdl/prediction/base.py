"""Band gaps of materials nobody has computed, from a model chosen by nested CV (Kedro-free).

A :class:`BandGapPredictor` is one row of a model-selection results table made usable: the
representation's featurization, the estimator with the row's most-chosen parameters refitted on
every material of the task, and the same estimator refitted on each outer training part of the
protocol's first repeat. The refits on the outer parts give

* the **uncertainty**: the standard deviation of their predictions (how much the answer moves
  when a fifth of the training materials is left out; a spread, not a calibrated interval);
* for a material of the training set, its **out-of-fold prediction** (from the refit that did
  not see it) beside its known target: what to trust for a material you already know.

Inputs outside the training data are flagged, not refused: an element no training material
contains (``unseen_elements``), or features outside the training range (``features_outside``,
how many). Inputs that cannot be featurized at all (a formula that does not parse, an element
the representation lacks, a Janus row that is not three different atoms) are rejected with the
row and the reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from atomdl.chemistry import element_symbols, parse_formulas
from atomdl.featurization import ID_COLUMNS
from atomdl.finetuning.features import table_builders
from atomdl.materials.janus import POSITION_COLUMNS, assign_sites
from atomdl.representations import Representation

__all__ = [
    "COMPOSITION",
    "JANUS",
    "PREDICTION_COLUMNS",
    "REJECT_COLUMNS",
    "BandGapPredictor",
    "Prediction",
    "fit_composition_predictor",
    "fit_janus_predictor",
    "gap_classifier",
    "gap_table",
    "predict_band_gaps",
]

logger = logging.getLogger(__name__)

COMPOSITION, JANUS = "composition", "janus"
REJECT_COLUMNS = ["row", "material", "reason"]
PREDICTION_COLUMNS = [
    "predicted_band_gap",
    "uncertainty",
    "unseen_elements",
    "features_outside",
    "in_domain",
    "known_target",
    "out_of_fold_prediction",
]
JANUS_PROTOTYPE_NAMES = ("2H", "1T")


@dataclass(frozen=True)
class Prediction:
    """Predicted rows (``row`` = 0-based input row) and the rows set aside, with reasons."""

    table: pd.DataFrame
    rejected: pd.DataFrame  # REJECT_COLUMNS

    def combined(self) -> pd.DataFrame:
        """One row per input row, in input order; a rejected row has no prediction and its
        reason in ``rejected_reason``."""
        rejected = self.rejected.rename(
            columns={"reason": "rejected_reason", "material": "formula"}
        )
        table = pd.concat([self.table, rejected], ignore_index=True)
        return table.sort_values("row", kind="stable").reset_index(drop=True)


@dataclass
class BandGapPredictor:
    """A fitted model of one task x representation x model, ready for new materials."""

    kind: str  # COMPOSITION or JANUS
    representation: Representation
    model: str
    params: dict
    estimator: object
    members: list
    feature_columns: list[str]
    low: np.ndarray
    high: np.ndarray
    training: pd.DataFrame  # key, material_id, known_target, out_of_fold_prediction
    training_elements: frozenset[str]
    structures: object | None = None  # JanusStructureModel (JANUS)
    classifier: object | None = None  # gapped-or-metallic (JANUS), predict_proba
    record: dict = field(default_factory=dict)  # where the choice came from

    def describe(self) -> str:
        return (
            f"{self.kind} band gaps: {self.representation.name} x {self.model} "
            f"{json.dumps(self.params, sort_keys=True)}, trained on {len(self.training)} "
            f"materials, {len(self.members)} outer-fold refits"
        )

    def predict(self, materials: pd.DataFrame | Iterable[str]) -> Prediction:
        """Predict for a table (composition: a ``formula`` column; Janus: ``m, x, y`` or
        ``formula``, and ``prototype`` 2H/1T), or for a list of formulas."""
        if not isinstance(materials, pd.DataFrame):
            materials = pd.DataFrame({"formula": list(materials)})
        if self.kind == COMPOSITION:
            inputs, rejected, keys = _composition_inputs(materials, self.representation)
        else:
            inputs, rejected, keys = _janus_inputs(materials, self.representation, self.structures)
        if inputs.empty:
            return Prediction(_empty_table(materials, self.kind), rejected)
        features = inputs[self.feature_columns].to_numpy(dtype=float)
        table = inputs.drop(columns=self.feature_columns)
        # a band gap is not negative; a regressor's answer can be (the spread is taken as is)
        table["predicted_band_gap"] = np.clip(self.estimator.predict(features), 0.0, None)
        spread = np.stack([member.predict(features) for member in self.members])
        table["uncertainty"] = spread.std(axis=0, ddof=1)
        table["unseen_elements"] = [
            " ".join(sorted(set(elements) - self.training_elements))
            for elements in inputs["elements"]
        ]
        tolerance = 1e-9 * (self.high - self.low) + 1e-12
        outside = (features < self.low - tolerance) | (features > self.high + tolerance)
        table["features_outside"] = outside.sum(axis=1)
        table["in_domain"] = (table["unseen_elements"] == "") & (table["features_outside"] == 0)
        # one row per material: a composition written twice in the training set (Fe2O3 and
        # Fe4O6) gets the mean of its targets and out-of-fold predictions
        known = self.training.groupby("key")[["known_target", "out_of_fold_prediction"]].mean()
        table["known_target"] = keys.map(known["known_target"]).to_numpy(dtype=float)
        table["out_of_fold_prediction"] = keys.map(known["out_of_fold_prediction"]).to_numpy(
            dtype=float
        )
        if self.classifier is not None:
            probability = self.classifier.predict_proba(features)[:, 1]
            table["p_gapped"] = probability
            table["called_gapped"] = probability >= 0.5
        return Prediction(table.drop(columns=["elements"]).reset_index(drop=True), rejected)


def predict_band_gaps(
    materials: pd.DataFrame | Iterable[str], predictor: BandGapPredictor
) -> pd.DataFrame:
    """Predicted band gaps (eV) with uncertainty and domain flags, one row per input row;
    rejected rows say why in ``rejected_reason`` (see ``BandGapPredictor.predict``)."""
    return predictor.predict(materials).combined()


# ---- fitting ----------------------------------------------------------------------------


def fit_composition_predictor(
    compositions: pd.DataFrame,
    representation: Representation,
    model: str,
    params: Mapping,
    *,
    n_splits: int = 5,
    seed: int = 0,
    record: dict | None = None,
) -> BandGapPredictor:
    """From ingestion's composition table (``row, formula, target, elements, amounts``)."""
    built = table_builders(representation)[0](compositions, representation)
    record = _set_aside(built.rejected, representation, record)
    kept = compositions.set_index(compositions["row"].astype(str)).loc[built.table["material_id"]]
    keys = pd.Series(
        [_composition_key(e, a) for e, a in zip(kept["elements"], kept["amounts"], strict=True)]
    )
    elements = frozenset(s for row in kept["elements"] for s in row)
    return _fit(
        COMPOSITION,
        built.table,
        keys,
        elements,
        representation,
        model,
        params,
        n_splits,
        seed,
        record,
    )


def fit_janus_predictor(
    materials: pd.DataFrame,
    representation: Representation,
    model: str,
    params: Mapping,
    *,
    n_splits: int = 5,
    seed: int = 0,
    classifier_grid: Mapping | None = None,
    record: dict | None = None,
) -> BandGapPredictor:
    """From ingestion's Janus table: the regressor on the gapped materials (as the Janus task
    is scored), the structure estimate and the gapped-or-metallic classifier on all of them."""
    from atomdl.prediction.structures import JanusStructureModel

    gapped = materials.loc[materials["has_gap"].astype(bool)].reset_index(drop=True)
    built = table_builders(representation)[1](gapped, representation)
    record = _set_aside(built.rejected, representation, record)
    by_uid = gapped.set_index(gapped["uid"].astype(str)).loc[built.table["material_id"]]
    keys = pd.Series(_janus_keys(by_uid))
    elements = frozenset(by_uid["m"]) | frozenset(by_uid["x"]) | frozenset(by_uid["y"])
    predictor = _fit(
        JANUS, built.table, keys, elements, representation, model, params, n_splits, seed, record
    )
    predictor.structures = JanusStructureModel.fit(materials)
    features, gapped_or_not, _ = gap_table(materials, representation)
    search = gap_classifier(classifier_grid, seed)
    predictor.classifier = search.fit(features[predictor.feature_columns], gapped_or_not)
    metallic = materials.loc[~materials["has_gap"].astype(bool)]
    predictor.training = pd.concat(
        [
            predictor.training,
            pd.DataFrame(
                {
                    "key": _janus_keys(metallic),
                    "material_id": metallic["uid"].astype(str),
                    "known_target": 0.0,
                    "out_of_fold_prediction": np.nan,
                }
            ),
        ],
        ignore_index=True,
    )
    return predictor


def gap_table(materials: pd.DataFrame, representation: Representation):
    """Every Janus material (gapped and metallic) as the classifier sees it: the features, 1 for
    gapped and 0 for metallic, and the material ids."""
    built = table_builders(representation)[1](
        materials.assign(gapped=materials["has_gap"].astype(float)), representation, target="gapped"
    )
    return (
        built.features,
        built.table["target"].astype(int).to_numpy(),
        built.table["material_id"].to_numpy(),
    )


def gap_classifier(grid: Mapping | None = None, seed: int = 0):
    """Gapped (1) or metallic (0): a random forest on scaled features, its size and feature
    fraction chosen by 5-fold grid search on ROC AUC inside whatever rows it is fitted on."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    grid = grid or {"n_estimators": [200], "max_features": ["sqrt", 0.33]}
    pipeline = Pipeline(
        [
            ("scale", StandardScaler()),
            ("model", RandomForestClassifier(random_state=seed, n_jobs=1)),
        ]
    )
    return GridSearchCV(
        pipeline,
        {f"model__{k}": list(v) for k, v in grid.items()},
        scoring="roc_auc",
        cv=KFold(5, shuffle=True, random_state=seed),
    )


def _fit(kind, table, keys, elements, representation, model, params, n_splits, seed, record):
    from sklearn.base import clone

    from atomdl.models.registry import make_estimator
    from atomdl.evaluation.splits import MaterialKFold

    params = dict(params)
    estimator = make_estimator(model, seed).set_params(
        **{f"model__{key}": value for key, value in params.items()}
    )
    ids = table["material_id"].astype(str).to_numpy()
    features = table.drop(columns=list(ID_COLUMNS))
    x, y = features.to_numpy(dtype=float), table["target"].to_numpy(dtype=float)
    members, out_of_fold = [], np.full(len(y), np.nan)
    for train, test in MaterialKFold(n_splits, 1, seed).split(x, y, groups=ids):
        member = clone(estimator).fit(x[train], y[train])
        out_of_fold[test] = member.predict(x[test])
        members.append(member)
    training = pd.DataFrame(
        {
            "key": keys.to_numpy(),
            "material_id": ids,
            "known_target": y,
            "out_of_fold_prediction": out_of_fold,
        }
    )
    predictor = BandGapPredictor(
        kind=kind,
        representation=representation,
        model=model,
        params=params,
        estimator=clone(estimator).fit(x, y),
        members=members,
        feature_columns=list(features.columns),
        low=x.min(axis=0),
        high=x.max(axis=0),
        training=training,
        training_elements=elements,
        record=dict(record or {}),
    )
    logger.info("Fitted %s", predictor.describe())
    return predictor


def _set_aside(rejected: pd.DataFrame, representation: Representation, record: dict) -> dict:
    """Training materials the representation cannot featurize are left out, as model selection
    left them out when it scored this row; the count goes into the predictor's record."""
    record = dict(record or {})
    record["training_set_aside"] = len(rejected)
    if len(rejected):
        logger.warning(
            "%s lacks elements of %d training materials (first: %s: %s); fitted on the rest, as "
            "model selection scored it",
            representation.name, len(rejected), rejected.iloc[0]["formula"],
            rejected.iloc[0]["reason"],
        )  # fmt: skip
    return record


# ---- inputs -----------------------------------------------------------------------------


def _composition_key(elements, amounts) -> str:
    total = float(sum(amounts))
    return " ".join(f"{e}{a / total:.6f}" for e, a in sorted(zip(elements, amounts, strict=True)))


def _janus_keys(rows: pd.DataFrame) -> list[str]:
    return [
        f"{m}{x}{y} {p}"
        for m, x, y, p in zip(rows["m"], rows["x"], rows["y"], rows["prototype"], strict=True)
    ]


def _composition_inputs(materials: pd.DataFrame, representation: Representation):
    if "formula" not in materials.columns:
        raise ValueError(f"composition input needs a 'formula' column; got {list(materials)}")
    formulas = materials["formula"].tolist()
    # not ingestion's parse_composition_table: a table to predict may ask twice for one material
    parsed = parse_formulas(formulas)
    rejects, rows = [], []
    for row, formula in enumerate(formulas):
        if row in parsed.errors:
            rejects.append((row, formula, parsed.errors[row].reason))
        else:
            amounts = parsed.composition(row)
            rows.append((row, str(formula), list(amounts), list(amounts.values())))
    compositions = pd.DataFrame(rows, columns=["row", "formula", "elements", "amounts"])
    return _featurized(
        materials,
        compositions.assign(target=np.nan),
        rejects,
        representation,
        lambda c, r: table_builders(r)[0](c, r, id_column="row"),
        lambda c: [
            _composition_key(e, a) for e, a in zip(c["elements"], c["amounts"], strict=True)
        ],
    )


def _janus_inputs(materials: pd.DataFrame, representation: Representation, structures):
    if "prototype" not in materials.columns or not (
        {"m", "x", "y"} <= set(materials.columns) or "formula" in materials.columns
    ):
        raise ValueError(
            "Janus input needs a 'prototype' column (2H or 1T) and either 'm', 'x', 'y' or a "
            f"'formula' (MXY); got {list(materials)}"
        )
    known_symbols = element_symbols()
    rejects, rows = [], []
    for row, record in enumerate(materials.to_dict("records")):
        described = record.get("formula") or "".join(str(record.get(s, "")) for s in "mxy")
        try:
            m, x, y = _janus_sites(record, known_symbols)
            prototype = str(record["prototype"]).strip()
            if prototype not in JANUS_PROTOTYPE_NAMES:
                raise ValueError(f"prototype {prototype!r} is not one of {JANUS_PROTOTYPE_NAMES}")
        except ValueError as error:
            rejects.append((row, described, str(error)))
            continue
        rows.append((row, f"{m}{x}{y}", m, x, y, prototype))
    candidates = pd.DataFrame(rows, columns=["row", "formula", "m", "x", "y", "prototype"])
    if len(candidates):
        candidates = structures.estimate(candidates)
    candidates["elements"] = [
        [m, x, y] for m, x, y in zip(candidates["m"], candidates["x"], candidates["y"], strict=True)
    ]
    return _featurized(
        materials,
        candidates.assign(uid=candidates["row"].astype(str), band_gap=np.nan),
        rejects,
        representation,
        table_builders(representation)[1],
        _janus_keys,
    )


def _janus_sites(record: dict, known_symbols) -> tuple[str, str, str]:
    if all(pd.notna(record.get(s)) and str(record.get(s)).strip() for s in "mxy"):
        sites = tuple(str(record[s]).strip() for s in "mxy")
        unknown = [s for s in sites if s not in known_symbols]
        if unknown:
            raise ValueError(f"not element symbols: {' '.join(unknown)}")
        if len(set(sites)) != 3:
            raise ValueError(f"M, X, Y must be three different elements, got {' '.join(sites)}")
        return sites
    formula = record.get("formula")
    if formula is None or pd.isna(formula):
        raise ValueError("no M, X, Y and no formula")
    try:
        return assign_sites(str(formula))
    except ValueError as error:
        raise ValueError(getattr(error, "reason", str(error))) from None


def _featurized(materials, candidates, rejects, representation, build, keys_of):
    """Featurize ``candidates`` (rows that passed the input checks); rows whose elements the
    representation lacks join the rejects. Returns (inputs with features, rejects, keys)."""
    if candidates.empty:
        rejected = pd.DataFrame(rejects, columns=REJECT_COLUMNS)
        return candidates, rejected.sort_values("row").reset_index(drop=True), pd.Series([])
    built = build(candidates, representation)
    kept_rows = built.table["material_id"].astype(int).to_numpy()
    for item in built.rejected.itertuples(index=False):
        rejects.append(
            (
                int(item.material_id),
                item.formula,
                f"{representation.name} has no vector for {item.missing_elements}",
            )
        )
    kept = candidates.set_index("row").loc[kept_rows].reset_index()
    extra = [c for c in materials.columns if c not in kept.columns]
    originals = materials.iloc[kept_rows][extra].reset_index(drop=True)
    features = built.features.reset_index(drop=True)
    internal = ("uid", "band_gap", "target", "amounts", *POSITION_COLUMNS)
    descriptive = kept.drop(columns=[c for c in internal if c in kept.columns])
    inputs = pd.concat([descriptive, originals, features], axis=1)
    rejected = pd.DataFrame(rejects, columns=REJECT_COLUMNS).sort_values("row")
    return inputs, rejected.reset_index(drop=True), pd.Series(keys_of(kept))


def _empty_table(materials: pd.DataFrame, kind: str) -> pd.DataFrame:
    leading = (
        ["row", "formula"]
        if kind == COMPOSITION
        else ["row", "formula", "m", "x", "y", "prototype"]
    )
    return pd.DataFrame(columns=leading + PREDICTION_COLUMNS)
