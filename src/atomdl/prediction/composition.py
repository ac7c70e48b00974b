"""Band gaps of compositions (formulas) from the model chosen for Matbench ``expt_gap``: pooled
element vectors, or the element amounts a fine-tuned encoder reads (Kedro-free)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from atomdl.chemistry import parse_formulas
from atomdl.features import ModelInput, model_input
from atomdl.prediction.base import (
    BandGapPredictor,
    FitSpec,
    featurized,
    fit_models,
    set_aside,
    training_rows,
)
from atomdl.prediction.kept import FittedModelStore, fit_key, fit_parts, table_digest
from atomdl.representations import Representation

__all__ = ["CompositionPredictor", "composition_key", "fit_composition_predictor"]

logger = logging.getLogger(__name__)


def composition_key(elements, amounts) -> str:
    """One key per composition, whatever its formula unit (Fe2O3 and Fe4O6 share it)."""
    total = float(sum(amounts))
    return " ".join(f"{e}{a / total:.6f}" for e, a in sorted(zip(elements, amounts, strict=True)))


def _keys(compositions: pd.DataFrame) -> list[str]:
    return [
        composition_key(e, a)
        for e, a in zip(compositions["elements"], compositions["amounts"], strict=True)
    ]


@dataclass(frozen=True, kw_only=True)
class CompositionPredictor(BandGapPredictor):
    """Predicts for a table with a ``formula`` column (other columns are carried through), or
    a list of formulas."""

    kind: ClassVar[str] = "composition"
    leading_columns: ClassVar[tuple[str, ...]] = ("row", "formula")

    def input_example(self) -> pd.DataFrame:
        return pd.DataFrame({"formula": ["GaN", "ZnO", "CsPbBr3"]})

    @classmethod
    def check_columns(cls, columns) -> None:
        if "formula" not in list(columns):
            raise ValueError(f"composition input needs a 'formula' column; got {list(columns)}")

    def materials_inputs(self, materials: pd.DataFrame):
        self.check_columns(materials.columns)
        formulas = materials["formula"].tolist()
        # not ingestion's parse_composition_table: a table to predict may ask twice for one
        # material
        parsed = parse_formulas(formulas)
        rejects, rows = [], []
        for row, formula in enumerate(formulas):
            if row in parsed.errors:
                rejects.append(
                    {"row": row, "formula": formula, "reason": parsed.errors[row].reason}
                )
            else:
                amounts = parsed.composition(row)
                rows.append((row, str(formula), list(amounts), list(amounts.values())))
        compositions = pd.DataFrame(rows, columns=["row", "formula", "elements", "amounts"])
        return featurized(
            materials,
            compositions.assign(target=np.nan),
            rejects,
            lambda c: self.inputs.compositions(c, id_column="row"),
            _keys,
        )


def fit_composition_predictor(
    compositions: pd.DataFrame,
    representation: Representation | ModelInput | None,
    model: str,
    params: Mapping,
    *,
    n_splits: int | str = 5,
    seed: int = 0,
    record: Mapping | None = None,
    store: FittedModelStore | None = None,
    coverage: float = 0.9,
) -> CompositionPredictor:
    """From ingestion's composition table (``row, formula, target, elements, amounts``).
    ``representation``: whose vectors are pooled; ``None`` for a model that reads element
    amounts (the fine-tuned encoder: ``MODELS[model].reads == "amounts"``). ``store``: fitted
    models kept by key (``atomdl.prediction.kept``), taken when the key matches. ``coverage``: of
    the prediction interval (``atomdl.prediction.intervals``)."""
    inputs = model_input(model, representation)
    built = inputs.compositions(compositions)
    record = set_aside(built.rejected, inputs.name, record)
    kept = compositions.set_index(compositions["row"].astype(str)).loc[built.table["material_id"]]
    spec = FitSpec(model, dict(params), n_splits, seed)
    parts = fit_parts(table_digest(built.table), inputs.name, model, spec.params,
                      {"n_splits": n_splits, "seed": seed})  # fmt: skip
    what = f"{record.get('task', 'composition')}: {inputs.name} x {model}"
    models = store.take(parts, what) if store is not None else None
    fitted = models["fitted"] if models else fit_models(built.table, spec)
    record = {**record, "fit": {"key": fit_key(parts), "parts": parts, "refitted": not models}}
    predictor = CompositionPredictor(
        inputs=inputs,
        spec=spec,
        fitted=fitted,
        training=training_rows(_keys(kept), built.table, fitted),
        training_elements=frozenset(s for row in kept["elements"] for s in row),
        record=record,
        coverage=coverage,
    )
    logger.info("%s %s", "Fitted" if not models else "Took the kept fit of", predictor.describe())
    return predictor
