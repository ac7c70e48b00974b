"""Declared schemas of the raw tables: the columns each needs, their types, physical ranges and
unique ids (pandera). Raw tables are read as text, so that a formula such as ``NaN`` (sodium
nitride) or ``None`` stays a formula; the schema then types the numeric columns.

Two levels of failure, never mixed up:

* a table that cannot be used as a whole (a required column missing, no data rows) raises
  :class:`BadTableError` at once;
* a row that breaks a check (text where a number belongs, ``inf``, a negative band gap, an area
  of 0, a repeated id, a missing required value) is set aside by :meth:`TableSchema.check_rows`
  with the column and the reason, and the caller puts it in the reject report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from atomdl.errors import AtomdlError

__all__ = [
    "C2DB_JANUS",
    "EXPT_GAP",
    "MISSING_TEXT",
    "OQMD_FORMULAS",
    "SCHEMAS",
    "BadTableError",
    "CheckedRows",
    "TableSchema",
]

#: Cells read as "no value" in a numeric column (pandas' own NA strings). Formula columns keep
#: them as text: ``NaN``, ``NA`` and ``None`` are formulas.
MISSING_TEXT = frozenset(
    {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)  # fmt: skip


class BadTableError(AtomdlError, ValueError):
    """A table that cannot be used as a whole: a required column missing, or no data rows."""


# The schemas are built on first use: pandera is imported only by runs that read raw tables,
# not by every `kedro` command that merely loads the pipelines.


def _finite():
    import pandera.pandas as pa

    return pa.Check(np.isfinite, name="finite", error="is not a finite number")


def _at_least_zero(what: str):
    import pandera.pandas as pa

    return pa.Check.ge(0, error=f"is negative ({what} is >= 0)")


def _above_zero(what: str):
    import pandera.pandas as pa

    return pa.Check.gt(0, error=f"is not positive ({what} is > 0)")


def _number(*checks, required: bool = True, nullable: bool = False):
    import pandera.pandas as pa

    return pa.Column(float, [_finite(), *checks], required=required, nullable=nullable)


def _text(*, unique: bool = False, nullable: bool = False, required: bool = True):
    import pandera.pandas as pa

    return pa.Column(
        None,
        nullable=nullable,
        unique=unique,
        report_duplicates="exclude_first",
        required=required,
    )


@dataclass(frozen=True)
class CheckedRows:
    """A table with its numeric columns typed (unreadable cells as NaN), and the reasons of the
    rows that break the schema, by position (0-based data row)."""

    table: pd.DataFrame
    problems: dict[int, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class TableSchema:
    """One raw table's declaration: what it is, and its pandera schema (``columns()`` gives the
    schema's columns; built when first needed)."""

    description: str
    columns: Callable[[], dict]
    #: column names as written in the file -> as the schema names them (C2DB's decorated header)
    normalise_columns: Callable[[pd.Index], pd.Index] | None = None
    #: what the schema's columns cannot say (one of two sets of columns): the columns -> a
    #: problem, or None
    columns_check: Callable[[list[str]], str | None] | None = None

    @cached_property
    def schema(self):
        import pandera.pandas as pa

        return pa.DataFrameSchema(self.columns())

    @property
    def required(self) -> list[str]:
        return [name for name, column in self.schema.columns.items() if column.required]

    @property
    def numeric(self) -> list[str]:
        return [
            name
            for name, column in self.schema.columns.items()
            if column.dtype is not None and str(column.dtype).startswith("float")
        ]

    def check_table(self, table: pd.DataFrame) -> None:
        """Raise :class:`BadTableError` when the table cannot be used as a whole."""
        columns = self._columns(table)
        missing = [c for c in self.required if c not in columns]
        if missing:
            names = ", ".join(repr(c) for c in missing)
            raise BadTableError(
                f"no {names} column: {self.description} needs {self.required}; "
                f"the columns are {list(columns)}"
            )
        problem = self.columns_check(list(columns)) if self.columns_check else None
        if problem:
            raise BadTableError(f"{problem}; the columns are {list(columns)}")
        if table.empty:
            raise BadTableError(f"no data rows (header only): {self.description} is empty")

    def check_rows(self, table: pd.DataFrame) -> CheckedRows:
        """Type the numeric columns and find every row that breaks a check, with its reasons."""
        self.check_table(table)
        typed = table.reset_index(drop=True)
        if self.normalise_columns is not None:
            typed.columns = self.normalise_columns(typed.columns)
        problems: dict[int, list[str]] = {}
        unreadable: set[tuple[int, str]] = set()
        for column in (c for c in self.numeric if c in typed.columns):
            text = typed[column]
            blank = text.isna() | text.astype("string").str.strip().isin(MISSING_TEXT)
            numbers = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
            for position in np.flatnonzero(numbers.isna() & ~blank).tolist():
                problems.setdefault(position, []).append(
                    f"{column}: {text.iat[position]!r} is not a number"
                )
                unreadable.add((position, column))
            typed[column] = numbers
        from pandera.errors import SchemaErrors

        try:
            self.schema.validate(typed, lazy=True)
        except SchemaErrors as errors:
            for case in errors.failure_cases.itertuples(index=False):
                if case.index is None or pd.isna(case.index):
                    raise BadTableError(f"{self.description}: {case.check}") from errors
                position = int(case.index)
                if (position, case.column) in unreadable:
                    continue  # already said: not a number
                problems.setdefault(position, []).append(
                    self._reason(typed, case.column, case.check, case.failure_case, position)
                )
        return CheckedRows(table=typed, problems=problems)

    def _columns(self, table: pd.DataFrame) -> pd.Index:
        if self.normalise_columns is None:
            return table.columns
        return self.normalise_columns(table.columns)

    @staticmethod
    def _reason(table, column, check, value, position) -> str:
        if check == "not_nullable":
            return f"{column}: missing"
        if check == "field_uniqueness":
            first = int(np.flatnonzero(table[column].to_numpy() == value)[0])
            return f"{column}: {value!r} repeats row {first}"
        shown = float(value) if isinstance(value, (int, float, np.number)) else value
        return f"{column}: {shown!r} {check}"


def _strip_c2db_decoration(columns: pd.Index) -> pd.Index:
    # The same clean-up as atomdl.materials.janus.clean_c2db_export.
    return pd.Index([str(c).replace("✕", "").strip() for c in columns])


#: The pretraining corpus. Only formulas are needed; the DFT targets, where present, are checked
#: (the band gap may be missing: 92 OQMD entries have none).
OQMD_FORMULAS = TableSchema(
    "the OQMD formulas table",
    lambda: {
        "formula": _text(),
        "formation_enthalpy_ev_per_atom": _number(required=False),
        "band_gap_ev": _number(_at_least_zero("a band gap"), required=False, nullable=True),
        "energy_per_atom_ev": _number(required=False),
        "volume_per_atom_a3": _number(_above_zero("a volume"), required=False),
    },
)

#: Matbench expt_gap: experimental band gaps (eV) of compositions.
EXPT_GAP = TableSchema(
    "the Matbench expt_gap table",
    lambda: {"formula": _text(), "target": _number(_at_least_zero("a band gap"))},
)

#: The Janus rows of a C2DB table export (header names as cleaned by ``clean_c2db_export``).
C2DB_JANUS = TableSchema(
    "the C2DB table export",
    lambda: {
        "Unique identifier": _text(unique=True),
        "Formula": _text(),
        "Crystal type": _text(),
        "Band gap": _number(_at_least_zero("a band gap")),
        "Gap wo. soc.": _number(_at_least_zero("a band gap"), nullable=True),
        "Band gap (HSE06)": _number(_at_least_zero("a band gap"), nullable=True),
        "Area of unit-cell": _number(_above_zero("an area")),
        "Volume": _number(_above_zero("a volume")),
        "Energy above convex hull": _number(nullable=True),
        "Thermodynamic stability level": _number(nullable=True),
        "Material class": _text(nullable=True),
        "Magnetic": _text(nullable=True),
    },
    normalise_columns=_strip_c2db_decoration,
)

#: By the name a catalog entry gives (``atomdl.datasets.RawTableDataset``).
#: Materials to predict (``atomdl.prediction``): formulas, or Janus M/X/Y (or an MXY formula)
#: with a prototype. Other columns are carried through to the predictions.
FORMULAS_TO_PREDICT = TableSchema("the formulas to predict", lambda: {"formula": _text()})
JANUS_TO_PREDICT = TableSchema(
    "the Janus materials to predict",
    lambda: {
        "prototype": _text(),
        **{c: _text(required=False) for c in ("m", "x", "y", "formula")},
    },
    columns_check=lambda columns: (
        None
        if {"m", "x", "y"} <= set(columns) or "formula" in columns
        else "no 'm', 'x', 'y' columns and no 'formula' column: the Janus materials to predict "
        "need one or the other (M, X, Y or an MXY formula)"
    ),
)

SCHEMAS = {
    "oqmd_formulas": OQMD_FORMULAS,
    "expt_gap": EXPT_GAP,
    "c2db_export": C2DB_JANUS,
    "formulas_to_predict": FORMULAS_TO_PREDICT,
    "janus_to_predict": JANUS_TO_PREDICT,
}
