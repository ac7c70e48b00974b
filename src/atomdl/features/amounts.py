"""The element amounts the fine-tuned encoder reads: one amount column per element of the
encoder's vocabulary (in its token order), then extra features (Janus: the structure columns).

This is not an element representation: the encoder reads the amounts itself. The table has the
``ID_COLUMNS`` of every other feature table, so the model-selection protocol draws the same
outer folds for it, and a material with an element the encoder does not know is set aside with
that element named. Featurization writes it as ``<task>__composition`` (``AMOUNTS_TABLE``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from atomdl.features.janus import require_janus_columns, structure_block
from atomdl.features.schema import (
    AMOUNT_PREFIX,
    AMOUNTS_TABLE,
    JANUS_SITES,
    JANUS_STRUCTURE_COLUMNS,
    FeatureTable,
    id_frame,
    missing_element_rejects,
)

__all__ = ["amounts_table", "encoder_elements", "janus_amounts_table"]

_LACKS = "the encoder's vocabulary lacks"


def encoder_elements(release: str = "paper") -> list[str]:
    """The released encoder's elements in its token order (the order of its vector table),
    which every release shares: the columns ``EncoderRegressor`` expects."""
    from atomdl.pretraining.release import released_vectors

    return released_vectors(release).index.astype(str).tolist()


def amounts_table(
    compositions: pd.DataFrame,
    elements: Sequence[str],
    id_column: str = "row",
    target: str = "target",
    extra: pd.DataFrame | None = None,
) -> FeatureTable:
    """Amounts of ``elements`` (the encoder's, in its order) per composition (ingestion's
    ``elements``, ``amounts``), then ``extra`` columns (row for row) as they are."""
    known = {symbol: i for i, symbol in enumerate(elements)}
    missing = [[e for e in row if e not in known] for row in compositions["elements"]]
    keep = np.array([not m for m in missing], dtype=bool)
    rejected = missing_element_rejects(
        compositions[id_column], compositions["formula"], AMOUNTS_TABLE, missing, _LACKS
    )
    kept = compositions.loc[keep].reset_index(drop=True)
    amounts = np.zeros((len(kept), len(elements)))
    for row, (symbols, values) in enumerate(zip(kept["elements"], kept["amounts"], strict=True)):
        for symbol, value in zip(symbols, values, strict=True):
            amounts[row, known[symbol]] += float(value)
    ids = id_frame(kept[id_column], kept["formula"], kept[target])
    blocks = [ids, pd.DataFrame(amounts, columns=[f"{AMOUNT_PREFIX}{e}" for e in elements])]
    if extra is not None:
        if len(extra) != len(compositions):
            raise ValueError(
                f"{len(extra)} rows of extra features for {len(compositions)} compositions"
            )
        blocks.append(extra.iloc[np.flatnonzero(keep)].reset_index(drop=True).astype(float))
    return FeatureTable(pd.concat(blocks, axis=1), rejected)


def janus_amounts_table(
    materials: pd.DataFrame,
    elements: Sequence[str],
    target: str = "band_gap",
    structure_columns: Sequence[str] = JANUS_STRUCTURE_COLUMNS,
) -> FeatureTable:
    """One atom each of M, X and Y, then the structure features (as ``janus_features``)."""
    require_janus_columns(materials, target, structure_columns)
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
    structure = structure_block(materials, structure_columns)
    return amounts_table(compositions, elements, id_column="uid", extra=structure)
