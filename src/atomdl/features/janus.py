"""Janus MXY monolayers as the element vectors of M, X and Y, then their structure (paper 4).

Sites come from ingestion's rule (docs/ingestion.md): M is the element of the lowest group, X
and Y follow by (group, Z), so the same material always gets the same order. The structure
features are the fractional positions of the three atoms and the cell area.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from atomdl.features.schema import (
    JANUS_SITES,
    JANUS_STRUCTURE_COLUMNS,
    FeatureTable,
    id_frame,
    missing_element_rejects,
)
from atomdl.representations import Representation

__all__ = ["janus_features", "require_janus_columns", "structure_block"]


def require_janus_columns(
    materials: pd.DataFrame, target: str, structure_columns: Sequence[str]
) -> None:
    """What every Janus feature table is built from; a KeyError names what is missing."""
    needed = ["uid", "formula", target, *JANUS_SITES, *structure_columns]
    absent = [c for c in needed if c not in materials.columns]
    if absent:
        raise KeyError(f"the Janus table lacks the columns {absent}")


def structure_block(materials: pd.DataFrame, structure_columns: Sequence[str]) -> pd.DataFrame:
    """The structure features of a Janus table, as the feature tables name them."""
    return materials[list(structure_columns)].astype(float).add_prefix("structure__")


def janus_features(
    materials: pd.DataFrame,
    representation: Representation,
    target: str = "band_gap",
    structure_columns: Sequence[str] = JANUS_STRUCTURE_COLUMNS,
) -> FeatureTable:
    """``[M vector | X vector | Y vector | structure]`` per Janus material (``uid`` as id)."""
    require_janus_columns(materials, target, structure_columns)
    missing = [
        representation.missing(row) for row in materials[list(JANUS_SITES)].itertuples(index=False)
    ]
    rejected = missing_element_rejects(
        materials["uid"], materials["formula"], representation.name, missing,
        f"{representation.name} lacks",
    )  # fmt: skip
    kept = materials.loc[[not m for m in missing]].reset_index(drop=True)
    vectors = representation.vectors
    blocks = [
        pd.DataFrame(
            vectors.loc[kept[site]].to_numpy(),
            columns=[f"{site}__{c}" for c in vectors.columns],
        )
        for site in JANUS_SITES
    ]
    ids = id_frame(kept["uid"], kept["formula"], kept[target])
    structure = structure_block(kept, structure_columns)
    return FeatureTable(pd.concat([ids, *blocks, structure], axis=1), rejected)
