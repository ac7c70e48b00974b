"""Material tables from the raw sources: parsed compositions and the Janus MXY monolayers."""

from atomdl.materials.compositions import ParsedTable, parse_composition_table
from atomdl.materials.janus import (
    JANUS_PROTOTYPES,
    POSITION_COLUMNS,
    JanusTable,
    assign_sites,
    clean_c2db_export,
    janus_table,
    positions_from_structure,
)

__all__ = [
    "JANUS_PROTOTYPES",
    "POSITION_COLUMNS",
    "JanusTable",
    "ParsedTable",
    "assign_sites",
    "clean_c2db_export",
    "janus_table",
    "parse_composition_table",
    "positions_from_structure",
]
