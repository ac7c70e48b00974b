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
    require_janus_columns,
)

__all__ = [
    "AMOUNT_PREFIX",
    "COMPOSITION",
    "composition_features",
    "composition_representation",
    "encoder_elements",
    "janus_composition_features",
    "table_builders",
]

AMOUNT_PREFIX = "amount__"
#: the representation name of these tables in model selection
COMPOSITION = "composition"


def encoder_elements(release: str = "paper") -> list[str]:
    """The released encoder's elements in its token order (the order of its vector table),
    which every release shares: the columns ``EncoderRegressor`` expects."""
    from atomdl.pretraining.release import released_vectors

    return released_vectors(release).index.astype(str).tolist()


def composition_representation(release: str = "paper"):
    """The composition table's elements as a ``Representation`` (one-hot rows in the encoder's
    order), so that whatever asks a representation which elements it has gets an answer; its
    tables are built by :func:`table_builders`, not by pooling these rows."""
    from atomdl.representations import Representation

    elements = encoder_elements(release)
    vectors = pd.DataFrame(np.eye(len(elements)), index=elements, columns=elements)
    return Representation(COMPOSITION, vectors, "amounts of the encoder's elements (fine-tuning)")


def table_builders(representation):
    """(composition builder, Janus builder) for a representation: pooled element vectors and
    M/X/Y vectors, or for the composition table the amounts the fine-tuned encoder reads. Both
    take (table, representation, **keywords) as ``pooled_features`` and ``janus_features``."""
    from atomdl.featurization import janus_features, pooled_features

    if representation.name != COMPOSITION:
        return pooled_features, janus_features

    def compositions(table, representation, **keywords):
        return composition_features(table, representation.elements, **keywords)

    def janus(table, representation, **keywords):
        return janus_composition_features(table, representation.elements, **keywords)

    return compositions, janus


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
    structure = materials[list(structure_columns)].astype(float).add_prefix("structure__")
    return composition_features(compositions, elements, id_column="uid", extra=structure)
