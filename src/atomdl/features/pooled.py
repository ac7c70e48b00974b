"""Compositions (Matbench ``expt_gap``) as amount-weighted pooled element vectors (paper 4).

The usual composition-only featurisation: per dimension of a representation's vectors, the
amount-weighted mean, weighted deviation, min, max and range over the material's elements. A
material whose elements the representation lacks is set aside with its missing elements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from atomdl.features.schema import FeatureTable, id_frame, missing_element_rejects
from atomdl.representations import Representation

__all__ = ["pooled_features"]


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
    rejected = missing_element_rejects(
        compositions[id_column].astype(str), compositions["formula"], representation.name,
        missing, f"{representation.name} lacks",
    )  # fmt: skip
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
    ids = id_frame(kept[id_column], kept["formula"], kept[target])
    return FeatureTable(pd.concat([ids, *blocks], axis=1), rejected)
