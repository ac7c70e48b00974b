"""C2DB export -> the Janus MXY monolayer table with its structure features.

**Which atom is where.** A Janus MXY monolayer is a metal (or pnictogen) layer M between two
different outer layers X and Y. Where no atomic positions are given, M is the element with the
lowest periodic-table group (the transition metal in MoSSe or NbBrI; in the all-p-block Janus
compounds such as AsBrTe or BiIS, the group-15 element). The outer atoms are ordered by (group,
atomic number): X is the one from the lower group, or the lighter one when both share a group
(MoSSe: X = S, Y = Se; AsBrTe: X = Te, Y = Br). The same material always gets the same order.
Where true positions are given (C2DB's ASE database), M is the atom between the other two, and
the table says whether the rule agreed.

**Structure features** are fractional positions of M, X, Y in a canonical hexagonal cell
(a1 = (a, 0, 0), a2 = (-a/2, a*sqrt(3)/2, 0), c along z), M at (0, 0, 1/2), X above M:

* in-plane positions follow from the prototype: ``ABC-156-ac`` (2H-like) has X and Y stacked at
  (1/3, 2/3); ``ABC-156-abc`` (1T-like) has X at (1/3, 2/3) and Y at (2/3, 1/3);
* a = sqrt(2 * area / sqrt(3)) from ``Area of unit-cell``; c = ``Volume`` / area;
* the table has no heights, so each outer layer's height above/below M is *estimated* from the
  Pyykko covalent radii: the M-X bond length is d = r(M) + r(X) and the in-plane M-X distance is
  a/sqrt(3), so h = sqrt(d^2 - a^2/3); where the bond is shorter than that distance the
  estimate is 0 and the row is flagged ``flat_estimate`` (4 of the 216 C2DB rows).

Given structures replace the estimate with the true positions, brought into the same canonical
frame (a mirror through the cell's long diagonal and/or a flip of z, both symmetries of the
lattice, so that X is above M at (1/3, 2/3)).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from atomdl.chemistry import FormulaError, element_table, parse_formula
from atomdl.materials.schemas import C2DB_JANUS, BadTableError
from atomdl.rejects import reject_table

__all__ = [
    "JANUS_PROTOTYPES",
    "POSITION_COLUMNS",
    "JanusTable",
    "assign_sites",
    "clean_c2db_export",
    "estimated_positions",
    "janus_table",
    "positions_from_structure",
]

logger = logging.getLogger(__name__)

#: C2DB crystal type (prototype) -> in-plane fractional positions of X and Y (M at the origin).
JANUS_PROTOTYPES = {
    "ABC-156-ac": ("2H", (1 / 3, 2 / 3), (1 / 3, 2 / 3)),
    "ABC-156-abc": ("1T", (1 / 3, 2 / 3), (2 / 3, 1 / 3)),
}
POSITION_COLUMNS = [f"{site}_{axis}" for site in ("m", "x", "y") for axis in ("a", "b", "c")]

_MISSING = "-"
#: export column -> (our column, kind); ``None`` kind keeps the text as it is.
_EXPORT_COLUMNS = {
    "Unique identifier": ("uid", None),
    "Formula": ("formula", None),
    "Crystal type": ("crystal_type", None),
    "Material class": ("material_class", None),
    "Band gap": ("band_gap", float),
    "Gap wo. soc.": ("band_gap_no_soc", float),
    "Band gap (HSE06)": ("band_gap_hse06", float),
    "Area of unit-cell": ("area", float),
    "Volume": ("volume", float),
    "Magnetic": ("magnetic", bool),
    "Thermodynamic stability level": ("stability_level", float),
    "Energy above convex hull": ("energy_above_hull", float),
}


@dataclass(frozen=True)
class JanusTable:
    """The Janus rows with sites and structure features, and the Janus rows set aside."""

    materials: pd.DataFrame
    rejected: pd.DataFrame


def clean_c2db_export(export: pd.DataFrame) -> pd.DataFrame:
    """Strip the web table's header decoration (trailing spaces and a ``✕``) and read ``-`` as
    missing, keeping every row and column."""
    cleaned = export.copy()
    cleaned.columns = [str(c).replace("✕", "").strip() for c in export.columns]
    duplicated = cleaned.columns[cleaned.columns.duplicated()].tolist()
    if duplicated:
        raise ValueError(f"C2DB export has duplicate columns after clean-up: {duplicated}")
    return cleaned.replace({_MISSING: pd.NA, "": pd.NA}).convert_dtypes()


def janus_table(materials: pd.DataFrame, structures: pd.DataFrame | None = None) -> JanusTable:
    """Select the Janus MXY rows of a cleaned C2DB export and add sites and structure features.

    ``structures``, when given, has columns ``uid, symbols, positions, cell`` (Cartesian, in
    angstrom) for some or all materials; those get true positions instead of estimated ones (a
    structure that is not a three-atom monolayer is logged and the estimate kept).
    Rows of the Janus prototypes that cannot be used are returned in ``rejected``, one line per
    row with all its reasons: a row that breaks ``atomdl.materials.schemas.C2DB_JANUS`` (text,
    ``inf`` or a missing value where a number is needed, a negative band gap, an area or volume
    that is not positive, a repeated ``Unique identifier``), or whose formula is not three
    distinct single atoms. ``has_gap`` flags the regression set
    (PBE+SOC gap > 0). Heights above/below M in angstrom are in ``height_x`` and ``height_y``.
    """
    C2DB_JANUS.check_table(materials)
    source_rows = np.flatnonzero(materials["Crystal type"].isin(list(JANUS_PROTOTYPES)))
    if not len(source_rows):
        raise BadTableError(
            f"{C2DB_JANUS.description} has no Janus MXY rows (Crystal type "
            f"{' or '.join(JANUS_PROTOTYPES)}) among its {len(materials)} rows"
        )
    checked = C2DB_JANUS.check_rows(materials.iloc[source_rows])
    problems = {int(source_rows[p]): reasons for p, reasons in checked.problems.items()}
    table = _our_columns(checked.table, source_rows)
    sites = {}
    for record in table.itertuples(index=False):
        if pd.isna(record.formula):
            continue  # the schema has said so
        try:
            sites[record.row] = assign_sites(record.formula)
        except (FormulaError, ValueError) as error:
            problems.setdefault(record.row, []).append(
                error.reason if isinstance(error, FormulaError) else str(error)
            )
    formula_of = dict(zip(table["row"], table["formula"], strict=True))
    rejected = reject_table(
        "ingestion",
        (
            {"row": row, "formula": formula_of[row], "reason": "; ".join(reasons)}
            for row, reasons in sorted(problems.items())
        ),
    )
    table = table[~table["row"].isin(problems)].reset_index(drop=True)
    table[["m", "x", "y"]] = [sites[row] for row in table["row"]] or np.empty((0, 3))

    table["prototype"] = table["crystal_type"].map(lambda t: JANUS_PROTOTYPES[t][0])
    table["has_gap"] = table["band_gap"] > 0
    table["lattice_constant"] = np.sqrt(2 * table["area"] / math.sqrt(3))
    table["cell_height"] = table["volume"] / table["area"]
    table["centre_rule_agrees"] = pd.array([pd.NA] * len(table), dtype="boolean")
    table["positions_source"] = "estimated from covalent radii"
    positions = [estimated_positions(r) for r in table.itertuples(index=False)]
    if structures is not None and len(structures):
        _use_true_positions(table, positions, structures)
    table[POSITION_COLUMNS] = np.array(positions).reshape(len(table), 9)
    table["height_x"] = (table["x_c"] - 0.5) * table["cell_height"]
    table["height_y"] = (0.5 - table["y_c"]) * table["cell_height"]
    estimated = table["positions_source"] != "c2db.db"
    table["flat_estimate"] = estimated & ((table["height_x"] == 0) | (table["height_y"] == 0))
    return JanusTable(materials=table.drop(columns=["volume"]), rejected=rejected)


def _our_columns(checked: pd.DataFrame, source_rows: np.ndarray) -> pd.DataFrame:
    """The export's columns under our names (numbers already typed by the schema)."""
    table = pd.DataFrame({"row": source_rows})
    for column, (name, kind) in _EXPORT_COLUMNS.items():
        values = checked[column].reset_index(drop=True)
        if kind is bool:
            values = values.astype("string").str.lower().map({"true": True, "false": False})
        table[name] = values.to_numpy()
    return table


def _use_true_positions(table: pd.DataFrame, positions: list, structures: pd.DataFrame) -> None:
    """Replace estimated positions (in place) by those of the given structures, by ``uid``."""
    by_uid = structures.drop_duplicates("uid").set_index("uid")
    for i, uid in enumerate(table["uid"]):
        if uid not in by_uid.index:
            continue
        structure = by_uid.loc[uid]
        try:
            true = positions_from_structure(
                structure["symbols"], structure["positions"], structure["cell"]
            )
        except ValueError as error:
            logger.warning(
                "c2db.db structure of %s is unusable (%s): positions estimated", uid, error
            )
            continue
        table.loc[i, "centre_rule_agrees"] = true.centre == table.at[i, "m"]
        table.loc[i, ["m", "x", "y"]] = [true.centre, *true.outer]
        table.loc[i, ["lattice_constant", "cell_height"]] = [true.a, true.c]
        table.loc[i, "positions_source"] = "c2db.db"
        positions[i] = true.fractional


def assign_sites(formula: str) -> tuple[str, str, str]:
    """(M, X, Y) of a Janus MXY formula by the documented rule (module docstring)."""
    amounts = parse_formula(formula)
    if len(amounts) != 3 or any(not math.isclose(a, 1.0) for a in amounts.values()):
        raise ValueError(
            f"{formula!r} is not an MXY formula (three different elements, one atom each)"
        )
    ordered = sorted(amounts, key=_site_order)
    if _site_order(ordered[0])[0] == _site_order(ordered[1])[0]:
        raise ValueError(f"{formula!r}: two elements share the lowest group, centre atom unclear")
    return ordered[0], ordered[1], ordered[2]


def _site_order(symbol: str) -> tuple[int, int]:
    facts = element_table()
    return int(facts.at[symbol, "group"]), int(facts.at[symbol, "atomic_number"])


def estimated_positions(record) -> np.ndarray:
    """Canonical fractional positions (3x3: M, X, Y) from prototype, area, volume and radii."""
    _, x_plane, y_plane = JANUS_PROTOTYPES[record.crystal_type]
    radius = element_table()["covalent_radius"]
    in_plane = record.lattice_constant / math.sqrt(3)

    def height(outer: str) -> float:
        bond = radius[record.m] + radius[outer]
        return math.sqrt(max(bond**2 - in_plane**2, 0.0))

    c = record.cell_height
    return np.array(
        [
            [0.0, 0.0, 0.5],
            [*x_plane, 0.5 + height(record.x) / c],
            [*y_plane, 0.5 - height(record.y) / c],
        ]
    )


@dataclass(frozen=True)
class TruePositions:
    centre: str
    outer: tuple[str, str]
    fractional: np.ndarray
    a: float
    c: float


def positions_from_structure(symbols, positions, cell) -> TruePositions:
    """Canonical fractional positions from a true three-atom structure (Cartesian, angstrom).

    The centre is the atom between the other two in z; the outer two are ordered as X, Y by the
    same (group, atomic number) rule as :func:`assign_sites`.
    """
    symbols = list(symbols)
    positions = np.asarray(positions, dtype=float).reshape(-1, 3)
    cell = np.asarray(cell, dtype=float).reshape(3, 3)
    if len(symbols) != 3 or len(set(symbols)) != 3:
        raise ValueError(f"expected three different atoms, got {symbols}")
    order = np.argsort(positions[:, 2])
    centre = symbols[order[1]]
    outer = tuple(sorted(set(symbols) - {centre}, key=_site_order))
    a, c = float(np.linalg.norm(cell[0])), float(abs(cell[2, 2]))
    canonical = np.array([[a, 0.0], [-a / 2, a * math.sqrt(3) / 2]])
    centre_pos = positions[symbols.index(centre)]
    offsets = np.array([positions[symbols.index(s)] - centre_pos for s in outer])
    if offsets[0, 2] < 0:  # put X above M
        offsets[:, 2] *= -1
    planar = np.linalg.solve(canonical.T, offsets[:, :2].T).T % 1.0
    if abs(planar[0, 0] - 2 / 3) < 0.1 and abs(planar[0, 1] - 1 / 3) < 0.1:
        planar = planar[:, ::-1]  # mirror so that X sits at (1/3, 2/3)
    fractional = np.array(
        [
            [0.0, 0.0, 0.5],
            [*planar[0], 0.5 + offsets[0, 2] / c],
            [*planar[1], 0.5 + offsets[1, 2] / c],
        ]
    )
    return TruePositions(centre=centre, outer=outer, fractional=fractional, a=a, c=c)
