import math

import numpy as np
import pandas as pd
import pytest

from atomdl.datasets import C2dbStructuresDataset
from atomdl.materials import (
    POSITION_COLUMNS,
    assign_sites,
    clean_c2db_export,
    janus_table,
    positions_from_structure,
)
from atomdl.materials.schemas import BadTableError


@pytest.fixture(scope="module")
def cleaned(c2db_export):
    return clean_c2db_export(c2db_export)


@pytest.fixture(scope="module")
def janus(cleaned):
    return janus_table(cleaned)


def test_cleaning_keeps_every_row_and_strips_header_decoration(c2db_export, cleaned):
    assert cleaned.shape == c2db_export.shape == (4034, 99)
    assert "Band gap" in cleaned.columns and "Area of unit-cell" in cleaned.columns
    assert not any("✕" in c or c != c.strip() for c in cleaned.columns)
    assert not cleaned.isin(["-"]).any().any()


def test_the_216_janus_rows_and_93_with_a_gap(janus):
    table = janus.materials
    assert len(table) == 216 and janus.rejected.empty
    assert table["has_gap"].sum() == 93
    assert (table["material_class"] == "MXY Janus").all()
    prototypes = table.groupby("formula")["prototype"].apply(sorted)
    assert len(prototypes) == 108 and all(p == ["1T", "2H"] for p in prototypes)
    assert table[POSITION_COLUMNS + ["area", "band_gap"]].notna().all().all()


@pytest.mark.parametrize(
    ("formula", "sites"),
    [
        ("MoSSe", ("Mo", "S", "Se")),
        ("AsBrTe", ("As", "Te", "Br")),
        ("BiNbAs", ("Nb", "As", "Bi")),
        ("ISbSe", ("Sb", "Se", "I")),
        ("CrClI", ("Cr", "Cl", "I")),
    ],
)
def test_centre_and_outer_atoms_follow_the_rule(janus, formula, sites):
    rows = janus.materials[janus.materials["formula"] == formula]
    assert len(rows) == 2
    assert set(rows[["m", "x", "y"]].apply(tuple, axis=1)) == {sites}


@pytest.mark.parametrize("formula", ["MoS2", "NaKCl", "Mo2SSe"])
def test_assign_sites_refuses_what_is_not_mxy(formula):
    with pytest.raises(ValueError, match=formula):
        assign_sites(formula)


def test_estimated_positions_follow_prototype_and_bond_lengths(janus):
    table = janus.materials.set_index(["formula", "prototype"])
    two_h, one_t = table.loc[("MoSSe", "2H")], table.loc[("MoSSe", "1T")]
    for row in (two_h, one_t):
        assert (row["m_a"], row["m_b"], row["m_c"]) == (0.0, 0.0, 0.5)
        assert (row["x_a"], row["x_b"]) == pytest.approx((1 / 3, 2 / 3))
        assert row["x_c"] > 0.5 > row["y_c"]
        assert row["area"] == pytest.approx(math.sqrt(3) / 2 * row["lattice_constant"] ** 2)
    assert (two_h["y_a"], two_h["y_b"]) == pytest.approx((1 / 3, 2 / 3))
    assert (one_t["y_a"], one_t["y_b"]) == pytest.approx((2 / 3, 1 / 3))
    # Known 2H-MoSSe: Mo-S 2.42 A, Mo-Se 2.53 A at a = 3.25 A, so heights near 1.53 and 1.70 A.
    assert two_h["height_x"] == pytest.approx(1.53, abs=0.1)
    assert two_h["height_y"] == pytest.approx(1.70, abs=0.1)
    assert two_h["x_c"] == pytest.approx(0.5 + two_h["height_x"] / two_h["cell_height"])
    assert (janus.materials["positions_source"] == "estimated from covalent radii").all()


def test_flat_estimates_are_flagged(janus):
    table = janus.materials
    flat = table[table["flat_estimate"]]
    assert sorted(flat["formula"]) == ["AsClTe", "AsClTe", "ClSbTe", "CrClI"]
    assert ((flat["height_x"] == 0) | (flat["height_y"] == 0)).all()
    assert (table.loc[~table["flat_estimate"], ["height_x", "height_y"]] > 0).all().all()


def test_bad_values_in_janus_rows_are_rejected_with_their_reason(cleaned):
    broken = cleaned.copy()
    janus_rows = np.flatnonzero(broken["Crystal type"].isin(["ABC-156-ac", "ABC-156-abc"]))
    broken.loc[broken.index[janus_rows[0]], "Area of unit-cell"] = "ten"
    broken.loc[broken.index[janus_rows[1]], "Band gap"] = pd.NA
    broken.loc[broken.index[janus_rows[2]], "Formula"] = "MoS2"
    broken.loc[broken.index[janus_rows[3]], ["Volume", "Band gap"]] = ["big", pd.NA]
    table = janus_table(broken)
    assert len(table.materials) == 212 and len(table.rejected) == 4  # one line per row
    reasons = dict(zip(table.rejected["row"], table.rejected["reason"], strict=True))
    assert reasons[janus_rows[0]] == "Area of unit-cell: 'ten' is not a number"
    assert reasons[janus_rows[1]] == "Band gap: missing"
    assert "is not an MXY formula" in reasons[janus_rows[2]]
    assert reasons[janus_rows[3]] == "Volume: 'big' is not a number; Band gap: missing"


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("Band gap", "inf", "Band gap: inf is not a finite number"),
        ("Band gap", "1e400", "Band gap: inf is not a finite number"),
        ("Band gap", "-0.3", "Band gap: -0.3 is negative (a band gap is >= 0)"),
        ("Gap wo. soc.", "-1", "Gap wo. soc.: -1.0 is negative"),
        ("Area of unit-cell", "-5", "Area of unit-cell: -5.0 is not positive (an area is > 0)"),
        ("Volume", "0", "Volume: 0.0 is not positive (a volume is > 0)"),
        ("Energy above convex hull", "nan-ish", "Energy above convex hull: 'nan-ish' is not a"),
        ("Formula", pd.NA, "Formula: missing"),
    ],
)
def test_impossible_values_are_rejected_naming_column_and_value(cleaned, column, value, reason):
    broken = cleaned.copy()
    row = int(np.flatnonzero(broken["Crystal type"].isin(["ABC-156-ac"]))[0])
    broken.loc[broken.index[row], column] = value
    table = janus_table(broken)
    assert len(table.materials) + len(table.rejected) == 216
    assert table.rejected["row"].tolist() == [row]
    assert table.rejected["reason"].item().startswith(reason)


def test_repeated_rows_are_rejected_after_the_first(cleaned):
    janus = np.flatnonzero(cleaned["Crystal type"].isin(["ABC-156-ac", "ABC-156-abc"]))
    doubled = pd.concat([cleaned, cleaned.iloc[janus[:5]]], ignore_index=True)
    table = janus_table(doubled)
    assert len(table.materials) == 216 and table.materials["uid"].is_unique
    assert table.rejected["row"].tolist() == list(range(len(cleaned), len(cleaned) + 5))
    first = cleaned["Unique identifier"].iat[janus[0]]
    assert table.rejected["reason"].iat[0] == f"Unique identifier: {first!r} repeats row 0"
    assert table.materials["has_gap"].sum() == 93


def test_missing_columns_name_what_is_missing(cleaned):
    with pytest.raises(BadTableError, match="Area of unit-cell"):
        janus_table(cleaned.drop(columns=["Area of unit-cell"]))


def test_an_export_without_janus_rows_is_a_clear_error(cleaned):
    others = cleaned[~cleaned["Crystal type"].isin(["ABC-156-ac", "ABC-156-abc"])]
    with pytest.raises(BadTableError, match="no Janus MXY rows"):
        janus_table(others)


# --- true positions from C2DB's ASE database ------------------------------------------------


def _hexagonal(a, c):
    return np.array([[a, 0, 0], [-a / 2, a * math.sqrt(3) / 2, 0], [0, 0, c]])


def _atoms(symbols, fractional, a=3.25, c=20.0):
    from ase import Atoms

    cell = _hexagonal(a, c)
    return Atoms(symbols=symbols, scaled_positions=fractional, cell=cell, pbc=[True, True, False])


@pytest.fixture
def structures_db(tmp_path, janus):
    """A tiny c2db.db: 2H-MoSSe upright, 1T-ZrSSe upside down and mirrored, and an AsBrTe
    whose true centre is Te (so the rule disagrees)."""
    from ase.db import connect

    uid = janus.materials.set_index(["formula", "prototype"])["uid"]
    path = tmp_path / "c2db.db"
    with connect(path) as db:
        db.write(
            _atoms(
                "MoSSe",
                [[0, 0, 0.5], [1 / 3, 2 / 3, 0.5 + 1.55 / 20], [1 / 3, 2 / 3, 0.5 - 1.68 / 20]],
            ),
            uid=uid[("MoSSe", "2H")],
        )
        db.write(
            _atoms(
                "SSeZr",
                [
                    [0.5 + 2 / 3, 0.2 + 1 / 3, 0.5 - 1.4 / 20],
                    [0.5 + 1 / 3, 0.2 + 2 / 3, 0.5 + 1.6 / 20],
                    [0.5, 0.2, 0.5],
                ],
            ),
            uid=uid[("ZrSSe", "1T")],
        )
        db.write(
            _atoms("AsBrTe", [[0, 0, 0.40], [1 / 3, 2 / 3, 0.60], [2 / 3, 1 / 3, 0.5]]),
            uid=uid[("AsBrTe", "1T")],
        )
        db.write(_atoms("MoS2", [[0, 0, 0.5], [1 / 3, 2 / 3, 0.58], [1 / 3, 2 / 3, 0.42]]))
        db.write(
            _atoms("NbS2", [[0, 0, 0.5], [1 / 3, 2 / 3, 0.58], [1 / 3, 2 / 3, 0.42]]),
            uid=uid[("NbSSe", "1T")],
        )  # wrong structure for this uid: estimate kept
    return path


def test_structures_dataset_reads_rows_with_a_uid(structures_db, tmp_path):
    loaded = C2dbStructuresDataset(str(structures_db)).load()
    assert len(loaded) == 4 and list(loaded.columns) == C2dbStructuresDataset.COLUMNS
    assert loaded["positions"].map(len).eq(3).all()
    missing = C2dbStructuresDataset(str(tmp_path / "absent.db"))
    assert missing.load().empty and not missing.exists()


def test_true_positions_replace_estimates_in_the_canonical_frame(structures_db, cleaned, caplog):
    structures = C2dbStructuresDataset(str(structures_db)).load()
    table = janus_table(cleaned, structures).materials.set_index(["formula", "prototype"])
    assert (table["positions_source"] == "c2db.db").sum() == 3
    unusable = table.loc[("NbSSe", "1T")]
    assert unusable["positions_source"] == "estimated from covalent radii"
    assert (
        f"structure of {unusable['uid']} is unusable (expected three different atoms" in caplog.text
    )

    mosse = table.loc[("MoSSe", "2H")]
    assert bool(mosse["centre_rule_agrees"])
    assert mosse[["height_x", "height_y"]].tolist() == pytest.approx([1.55, 1.68])
    assert mosse["cell_height"] == pytest.approx(20.0)

    # ZrSSe was stored with Zr at a shifted origin, S below and on the other site: the canonical
    # frame brings X = S above Zr at (1/3, 2/3) and Y = Se at (2/3, 1/3).
    zrsse = table.loc[("ZrSSe", "1T")]
    assert (zrsse["m"], zrsse["x"], zrsse["y"]) == ("Zr", "S", "Se")
    assert bool(zrsse["centre_rule_agrees"])
    assert zrsse[["x_a", "x_b", "y_a", "y_b"]].tolist() == pytest.approx(
        [1 / 3, 2 / 3, 2 / 3, 1 / 3]
    )
    assert zrsse[["height_x", "height_y"]].tolist() == pytest.approx([1.4, 1.6])

    asbrte = table.loc[("AsBrTe", "1T")]
    assert not bool(asbrte["centre_rule_agrees"])
    assert asbrte["m"] == "Te"
    untouched = table.loc[("AsBrTe", "2H")]
    assert untouched["positions_source"] == "estimated from covalent radii"
    assert pd.isna(untouched["centre_rule_agrees"])
    assert not table["flat_estimate"][table["positions_source"] == "c2db.db"].any()


def test_positions_from_structure_refuses_other_than_three_atoms():
    with pytest.raises(ValueError, match="three different atoms"):
        positions_from_structure(["Mo", "S", "S"], np.zeros((3, 3)), _hexagonal(3.2, 20))
