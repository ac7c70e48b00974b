"""Material features from any element representation (paper section 4; Kedro-free).

* Janus MXY monolayers: the vectors of M, X and Y side by side, then the structure features
  (fractional positions of the three atoms and the cell area). Sites come from ingestion's rule
  (docs/ingestion.md): M is the element of the lowest group, X and Y follow by (group, Z), so the
  same material always gets the same order.
* Compositions (Matbench ``expt_gap``): amount-weighted pooling of the element vectors (mean,
  weighted deviation, min, max, range), the usual composition-only featurisation.

A material whose elements a representation lacks is set aside with its missing elements, never
silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from atomdl.representations import Representation

__all__ = [
    "ID_COLUMNS",
    "JANUS_SITES",
    "JANUS_STRUCTURE_COLUMNS",
    "POOLING_STATISTICS",
    "REJECT_COLUMNS",
    "FeatureTable",
    "janus_features",
    "pooled_features",
    "require_janus_columns",
]

JANUS_SITES = ("m", "x", "y")
JANUS_STRUCTURE_COLUMNS = (
    "m_a", "m_b", "m_c", "x_a", "x_b", "x_c", "y_a", "y_b", "y_c", "area",
)  # fmt: skip
POOLING_STATISTICS = ("mean", "deviation", "min", "max", "range")
#: Leading columns of every feature table; features follow.
ID_COLUMNS = ("material_id", "formula", "target")
REJECT_COLUMNS = ("material_id", "formula", "representation", "missing_elements", "reason")


@dataclass(frozen=True)
class FeatureTable:
    table: pd.DataFrame  # ID_COLUMNS, then one column per feature
    rejected: pd.DataFrame  # REJECT_COLUMNS

    @property
    def features(self) -> pd.DataFrame:
        return self.table.drop(columns=list(ID_COLUMNS))


def _rejects(
    ids, formulas, representation: Representation, missing: list[list[str]]
) -> pd.DataFrame:
    rows = [
        (i, f, representation.name, " ".join(m), f"{representation.name} lacks {' '.join(m)}")
        for i, f, m in zip(ids, formulas, missing, strict=True)
        if m
    ]
    return pd.DataFrame(rows, columns=list(REJECT_COLUMNS))


def require_janus_columns(
    materials: pd.DataFrame, target: str, structure_columns: Sequence[str]
) -> None:
    """What every Janus feature table is built from; a KeyError names what is missing."""
    needed = ["uid", "formula", target, *JANUS_SITES, *structure_columns]
    absent = [c for c in needed if c not in materials.columns]
    if absent:
        raise KeyError(f"the Janus table lacks the columns {absent}")


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
    rejected = _rejects(materials["uid"], materials["formula"], representation, missing)
    kept = materials.loc[[not m for m in missing]].reset_index(drop=True)
    vectors = representation.vectors
    blocks = [
        pd.DataFrame(
            vectors.loc[kept[site]].to_numpy(),
            columns=[f"{site}__{c}" for c in vectors.columns],
        )
        for site in JANUS_SITES
    ]
    ids = pd.DataFrame(
        {
            "material_id": kept["uid"].astype(str),
            "formula": kept["formula"].astype(str),
            "target": kept[target].astype(float),
        }
    )
    structure = kept[list(structure_columns)].astype(float).add_prefix("structure__")
    return FeatureTable(pd.concat([ids, *blocks, structure], axis=1), rejected)


def pooled_features(
    compositions: pd.DataFrame,
    representation: Representation,
    id_column: str = "row",
    target: str = "target",
) -> FeatureTable:
    """Amount-weighted statistics of each composition's element vectors, dimension by dimension.

    ``deviation`` is the weighted standard deviation sqrt(sum_i w_i (v_i - mean)^2) with weights
    w_i = amount_i / total amount; ``range`` is max - min.
    """
    missing = [representation.missing(elements) for elements in compositions["elements"]]
    rejected = _rejects(
        compositions[id_column].astype(str), compositions["formula"], representation, missing
    )
    kept = compositions.loc[[not m for m in missing]].reset_index(drop=True)
    vectors = representation.vectors
    lengths = kept["elements"].map(len).to_numpy(dtype=int)
    owner = np.repeat(np.arange(len(kept)), lengths)
    symbols = [s for elements in kept["elements"] for s in elements]
    flat = vectors.loc[symbols].to_numpy().reshape(len(symbols), vectors.shape[1])
    amounts = np.array([a for row in kept["amounts"] for a in row], dtype=float)
    totals = np.bincount(owner, weights=amounts, minlength=len(kept))
    weights = amounts / totals[owner]

    def weighted_sum(values: np.ndarray) -> np.ndarray:
        out = np.zeros((len(kept), values.shape[1]))
        np.add.at(out, owner, values)
        return out

    mean = weighted_sum(flat * weights[:, None])
    deviation = np.sqrt(np.maximum(weighted_sum(weights[:, None] * (flat - mean[owner]) ** 2), 0))
    low = np.full((len(kept), flat.shape[1]), np.inf)
    high = np.full((len(kept), flat.shape[1]), -np.inf)
    np.minimum.at(low, owner, flat)
    np.maximum.at(high, owner, flat)
    statistics = {"mean": mean, "deviation": deviation, "min": low, "max": high,
                  "range": high - low}  # fmt: skip
    blocks = [
        pd.DataFrame(values, columns=[f"{name}__{c}" for c in vectors.columns])
        for name, values in statistics.items()
    ]
    ids = pd.DataFrame(
        {
            "material_id": kept[id_column].astype(str),
            "formula": kept["formula"].astype(str),
            "target": kept[target].astype(float),
        }
    )
    return FeatureTable(pd.concat([ids, *blocks], axis=1), rejected)
