"""Formula parsing and periodic-table facts; no Kedro inside."""

from atomdl.chemistry.formula import (
    FormulaError,
    ParsedFormulas,
    parse_formula,
    parse_formulas,
)
from atomdl.chemistry.periodic import (
    F_BLOCK_GROUP,
    class_key,
    element_symbols,
    element_table,
    group_of,
    valence_electrons,
)

__all__ = [
    "F_BLOCK_GROUP",
    "FormulaError",
    "ParsedFormulas",
    "class_key",
    "element_symbols",
    "element_table",
    "group_of",
    "parse_formula",
    "parse_formulas",
    "valence_electrons",
]
