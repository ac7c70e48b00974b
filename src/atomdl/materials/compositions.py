"""Formula tables -> parsed composition tables, with every refused row kept and explained."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from atomdl.chemistry import class_key, parse_formulas
from atomdl.materials.schemas import BadTableError, TableSchema
from atomdl.rejects import reject_table

__all__ = ["ParsedTable", "parse_composition_table"]


@dataclass(frozen=True)
class ParsedTable:
    """Accepted rows and rejected rows of one input table; together they account for every row."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame


def parse_composition_table(
    raw: pd.DataFrame,
    *,
    schema: TableSchema | None = None,
    formula_column: str = "formula",
    max_atoms: float | None = None,
    integer_amounts: bool = False,
) -> ParsedTable:
    """Parse every formula of ``raw`` into elements, amounts and the pair-task class.

    With a ``schema`` (``atomdl.materials.schemas``), ``raw`` is the table as read (text) and
    its numeric columns come back typed; a table it cannot use raises ``BadTableError``.
    Accepted rows keep their other columns and gain ``row, elements, amounts, n_elements,
    n_atoms, class_key``. A row is rejected (never dropped), with every reason that applies,
    when it breaks the schema, when its formula does not parse, when it has more than
    ``max_atoms`` atoms per formula unit, when ``integer_amounts`` is asked for and an amount is
    fractional (the pretraining samples write formulas out atom by atom), or when it repeats the
    composition of an earlier row.
    """
    if schema is not None:
        checked = schema.check_rows(raw)
        table, problems = checked.table, checked.problems
    else:
        table, problems = raw.reset_index(drop=True), {}
    if formula_column not in table.columns:
        raise BadTableError(
            f"input table has no {formula_column!r} column; columns are {list(table.columns)}"
        )

    formulas = table[formula_column].tolist()
    parsed, rejects = _parse_rows(formulas, problems, max_atoms, integer_amounts)

    rows = [row for row, _ in parsed]
    accepted = table.iloc[rows].reset_index(drop=True)
    accepted.insert(0, "row", rows)
    elements = [list(amounts) for _, amounts in parsed]
    accepted["elements"] = elements
    accepted["amounts"] = [list(amounts.values()) for _, amounts in parsed]
    accepted["n_elements"] = [len(e) for e in elements]
    accepted["n_atoms"] = [sum(amounts.values()) for _, amounts in parsed]
    accepted["class_key"] = [class_key(e) for e in elements]
    rejected = reject_table(
        "ingestion", ({"row": r, "formula": f, "reason": why} for r, f, why in rejects)
    )
    return ParsedTable(accepted=accepted, rejected=rejected)


def _parse_rows(formulas: list, problems: dict, max_atoms, integer_amounts):
    """(row, amounts) of the rows accepted, and (row, formula, reasons) of those rejected."""
    parsed: list[tuple[int, dict[str, float]]] = []
    rejects: list[tuple[int, object, str]] = []
    seen: dict[tuple, int] = {}
    compositions = parse_formulas(formulas)
    for row, formula in enumerate(formulas):
        reasons = list(problems.get(row, ()))
        if row in compositions.errors:
            reasons.append(compositions.errors[row].reason)
        elif not reasons:
            amounts = compositions.composition(row)
            reason = _amount_reason(amounts, max_atoms, integer_amounts)
            if reason is None:
                key = tuple(sorted(amounts.items()))
                first = seen.setdefault(key, row)
                if first != row:
                    reason = f"same composition as row {first} ({formulas[first]})"
            if reason is not None:
                reasons.append(reason)
        if reasons:
            rejects.append((row, formula, "; ".join(reasons)))
        else:
            parsed.append((row, amounts))
    return parsed, rejects


def _amount_reason(amounts: dict[str, float], max_atoms, integer_amounts) -> str | None:
    n_atoms = sum(amounts.values())
    if max_atoms is not None and n_atoms > max_atoms:
        return f"{n_atoms:g} atoms per formula unit exceeds the maximum of {max_atoms:g}"
    if integer_amounts:
        fractional = [s for s, a in amounts.items() if not math.isclose(a, round(a))]
        if fractional:
            return (
                f"fractional amount of {', '.join(fractional)} cannot be written out atom by atom"
            )
    return None
