"""The one schema of every reject report: what ingestion, featurization and prediction set aside.

A rejected row is never silently lost: it is reported with the stage that set it aside and why.
Each stage fills the columns that apply to it and leaves the others empty (``<NA>``; an empty
cell in the CSV report):

* ``stage``: ``ingestion``, ``featurization`` or ``prediction``;
* ``row``: the 0-based data row of the input table (ingestion: CSV line = row + 2; prediction:
  the row of the table to predict); empty in featurization, which names the material instead;
* ``material_id``: the material's id in the task's tables (featurization);
* ``formula``: the formula as written (or, for a Janus row to predict, its M, X, Y);
* ``representation`` and ``missing_elements``: the element representation (or the fine-tuned
  encoder's input, ``composition``) that lacks the material's elements, and which they are;
* ``reason``: why, in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import pandas as pd

__all__ = ["REJECT_COLUMNS", "STAGES", "reject_table"]

REJECT_COLUMNS = (
    "stage", "row", "material_id", "formula", "representation", "missing_elements", "reason",
)  # fmt: skip
STAGES = ("ingestion", "featurization", "prediction")
Stage = Literal["ingestion", "featurization", "prediction"]
_TYPES = {column: "string" for column in REJECT_COLUMNS} | {"row": "Int64"}


def reject_table(stage: Stage, records: Iterable[Mapping[str, object]] = ()) -> pd.DataFrame:
    """A reject report of ``stage``: one row per record (a mapping of some of
    ``REJECT_COLUMNS``; ``reason`` is required), the columns it does not name empty."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; known: {STAGES}")
    rows = []
    for record in records:
        unknown = set(record) - set(REJECT_COLUMNS)
        if unknown or "reason" not in record:
            raise ValueError(
                f"a reject names {sorted(unknown)} and must give a reason; columns: "
                f"{REJECT_COLUMNS}"
            )
        rows.append({**record, "stage": stage})
    table = pd.DataFrame(rows, columns=list(REJECT_COLUMNS))
    return table.astype(_TYPES)
