"""The shape every feature table shares: its id columns, the Janus sites and structure columns,
the name of the fine-tuned encoder's table, and how a material set aside is reported."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from atomdl.rejects import reject_table

__all__ = [
    "AMOUNTS_TABLE",
    "AMOUNT_PREFIX",
    "ID_COLUMNS",
    "JANUS_SITES",
    "JANUS_STRUCTURE_COLUMNS",
    "POOLING_STATISTICS",
    "PROPERTIES_SUFFIX",
    "FeatureTable",
    "id_frame",
    "missing_element_rejects",
]

JANUS_SITES = ("m", "x", "y")
JANUS_STRUCTURE_COLUMNS = (
    "m_a", "m_b", "m_c", "x_a", "x_b", "x_c", "y_a", "y_b", "y_c", "area",
)  # fmt: skip
POOLING_STATISTICS = ("mean", "deviation", "min", "max", "range")
#: Leading columns of every feature table; features follow.
ID_COLUMNS = ("material_id", "formula", "target")
#: The feature-table name (``<task>__composition``) and results label of the element amounts
#: the fine-tuned encoder reads: not an element representation, the table's name only.
AMOUNTS_TABLE = "composition"
#: The name of a table with the property-aware encoder's predicted properties beside a
#: representation's features: ``<representation>+oqmd`` (``WithPredictedProperties``).
PROPERTIES_SUFFIX = "+oqmd"
#: Prefix of the amount columns, one per element of the encoder, in its token order.
AMOUNT_PREFIX = "amount__"


@dataclass(frozen=True)
class FeatureTable:
    table: pd.DataFrame  # ID_COLUMNS, then one column per feature
    rejected: pd.DataFrame  # atomdl.rejects.REJECT_COLUMNS

    @property
    def features(self) -> pd.DataFrame:
        return self.table.drop(columns=list(ID_COLUMNS))


def id_frame(material_ids: pd.Series, formulas: pd.Series, targets: pd.Series) -> pd.DataFrame:
    """The ``ID_COLUMNS`` block of a feature table (ids and formulas as text)."""
    return pd.DataFrame(
        {
            "material_id": material_ids.astype(str),
            "formula": formulas.astype(str),
            "target": targets.astype(float),
        }
    )


def missing_element_rejects(
    ids: Iterable, formulas: Iterable, name: str, missing: list[list[str]], lacks: str
) -> pd.DataFrame:
    """The materials whose elements ``name`` lacks (``missing``, row for row), as featurization
    rejects; the reason is ``"<lacks> <elements>"``."""
    return reject_table(
        "featurization",
        (
            {"material_id": str(i), "formula": f, "representation": name,
             "missing_elements": " ".join(m), "reason": f"{lacks} {' '.join(m)}"}
            for i, f, m in zip(ids, formulas, missing, strict=True)
            if m
        ),
    )  # fmt: skip
