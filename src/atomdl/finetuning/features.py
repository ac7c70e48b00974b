"""The fine-tuned encoder's input as a feature table: one amount column per element of the
encoder's vocabulary (in its order), then extra features (Janus: the structure columns).

It has the ``ID_COLUMNS`` of every other feature table, so the model-selection protocol draws
the same outer folds for it, and a material with an element the encoder does not know is set
aside with that element named, as for any representation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from atomdl.featurization import (
    JANUS_SITES,
    JANUS_STRUCTURE_COLUMNS,
    REJECT_COLUMNS,
    FeatureTable,
)

__all__ = ["AMOUNT_PREFIX", "COMPOSITION", "composition_features", "janus_composition_features"]

AMOUNT_PREFIX = "amount__"
#: the representation name of these tables in model selection
COMPOSITION = "composition"


def composition_features(
    compositions: pd.DataFrame,
    elements: Sequence[str],
    id_column: str = "row",
    target: str = "target",
    extra: pd.DataFrame | None = None,
) -> FeatureTable:
    """Amounts of ``elements`` (the encoder's, in its order) per composition, then ``extra``
    columns (row for row with ``compositions``) as they are."""
    known = {symbol: i for i, symbol in enumerate(elements)}
    missing = [[e for e in row if e not in known] for row in compositions["elements"]]
    keep = np.array([not m for m in missing], dtype=bool)
    rejected = pd.DataFrame(
        [
            (str(i), f, COMPOSITION, " ".join(m), f"the encoder's vocabulary lacks {' '.join(m)}")
            for i, f, m in zip(
                compositions[id_column], compositions["formula"], missing, strict=True
            )  # fmt: skip
            if m
        ],
        columns=list(REJECT_COLUMNS),
    )
    kept = compositions.loc[keep].reset_index(drop=True)
    amounts = np.zeros((len(kept), len(elements)))
    for row, (symbols, values) in enumerate(zip(kept["elements"], kept["amounts"], strict=True)):
        for symbol, value in zip(symbols, values, strict=True):
            amounts[row, known[symbol]] += float(value)
    ids = pd.DataFrame(
        {
            "material_id": kept[id_column].astype(str),
            "formula": kept["formula"].astype(str),
            "target": kept[target].astype(float),
        }
    )
    blocks = [ids, pd.DataFrame(amounts, columns=[f"{AMOUNT_PREFIX}{e}" for e in elements])]
    if extra is not None:
        if len(extra) != len(compositions):
            raise ValueError(
                f"{len(extra)} rows of extra features for {len(compositions)} compositions"
            )
        blocks.append(extra.iloc[np.flatnonzero(keep)].reset_index(drop=True).astype(float))
    return FeatureTable(pd.concat(blocks, axis=1), rejected)


def janus_composition_features(
    materials: pd.DataFrame,
    elements: Sequence[str],
    target: str = "band_gap",
    structure_columns: Sequence[str] = JANUS_STRUCTURE_COLUMNS,
) -> FeatureTable:
    """One atom each of M, X and Y, then the structure features (as ``janus_features``)."""
    needed = ["uid", "formula", target, *JANUS_SITES, *structure_columns]
    absent = [c for c in needed if c not in materials.columns]
    if absent:
        raise KeyError(f"the Janus table lacks the columns {absent}")
    sites = materials[list(JANUS_SITES)].astype(str)
    compositions = pd.DataFrame(
        {
            "uid": materials["uid"].astype(str),
            "formula": materials["formula"].astype(str),
            "target": materials[target].astype(float),
            "elements": [list(row) for row in sites.itertuples(index=False)],
            "amounts": [[1.0] * len(JANUS_SITES)] * len(materials),
        }
    )
    structure = materials[list(structure_columns)].astype(float).add_prefix("structure__")
    return composition_features(compositions, elements, id_column="uid", extra=structure)
