import pandas as pd
import pytest

from atomdl.materials import parse_composition_table
from atomdl.materials.schemas import EXPT_GAP, OQMD_FORMULAS, BadTableError
from atomdl.rejects import REJECT_COLUMNS

RAW = pd.DataFrame(
    {
        "formula": [
            "HF",
            "HCl",
            "Xx2O",
            "Fe2(O3",
            "Na1Cl1",
            "Co12Mn5Nd2",
            "Fe0.5O",
            "Cl1Na1",
            None,
        ],
        "target": [1.0, 2.0, 3.0, 4.0, None, 6.0, 7.0, 8.0, 9.0],
    }
)


def test_every_row_is_accepted_or_rejected_with_a_reason():
    table = parse_composition_table(RAW, max_atoms=10, integer_amounts=True)
    assert len(table.accepted) + len(table.rejected) == len(RAW)
    assert list(table.rejected.columns) == list(REJECT_COLUMNS)
    reasons = dict(zip(table.rejected["row"], table.rejected["reason"], strict=True))
    assert "unknown element symbol 'Xx'" in reasons[2]
    assert "unbalanced bracket" in reasons[3]
    assert "19 atoms per formula unit exceeds the maximum of 10" in reasons[5]
    assert "fractional amount of Fe" in reasons[6]
    assert reasons[7] == "same composition as row 4 (Na1Cl1)"
    assert "expected a string" in reasons[8]
    assert table.rejected.loc[table.rejected["row"] == 2, "formula"].item() == "Xx2O"


def test_accepted_rows_carry_composition_class_and_other_columns():
    accepted = parse_composition_table(RAW, max_atoms=10, integer_amounts=True).accepted
    assert accepted["row"].tolist() == [0, 1, 4]
    first = accepted.iloc[0]
    assert first["elements"] == ["H", "F"] and first["amounts"] == [1.0, 1.0]
    assert first["n_elements"] == 2 and first["n_atoms"] == 2.0
    assert accepted["class_key"].tolist() == ["1|17", "1|17", "1|17"]
    assert accepted["target"].tolist()[:2] == [1.0, 2.0]


def test_a_schema_types_numbers_and_rejects_impossible_values():
    raw = pd.DataFrame(
        {
            "formula": ["NaCl", "KBr", "LiF", "NaN", "CsI", "RbF", "MgO", "H" + "2" * 400, "AlN"],
            "target": ["1.5", "", "abc", "2.0", "inf", "1e400", "-1.5", "1", "n/a"],
        },
        dtype=str,
    )
    table = parse_composition_table(raw, schema=EXPT_GAP)
    assert len(table.accepted) + len(table.rejected) == len(raw)
    assert table.accepted["formula"].tolist() == ["NaCl", "NaN"]  # sodium nitride
    assert table.accepted["target"].tolist() == [1.5, 2.0]
    assert table.accepted["elements"].tolist() == [["Na", "Cl"], ["Na", "N"]]
    reasons = dict(zip(table.rejected["row"], table.rejected["reason"], strict=True))
    assert reasons == {
        1: "target: missing",
        2: "target: 'abc' is not a number",
        4: "target: inf is not a finite number",
        5: "target: inf is not a finite number",
        6: "target: -1.5 is negative (a band gap is >= 0)",
        7: reasons[7],
        8: "target: missing",
    }
    assert "amount" in reasons[7] and "too large" in reasons[7]


def test_schema_and_formula_reasons_are_all_given():
    raw = pd.DataFrame({"formula": ["Xx", "NaCl"], "target": ["abc", "1"]})
    table = parse_composition_table(raw, schema=EXPT_GAP)
    assert table.rejected["reason"].tolist() == [
        "target: 'abc' is not a number; unknown element symbol 'Xx'"
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (pd.DataFrame({"formula": ["NaCl"]}), "no 'target' column"),
        (pd.DataFrame({"formula": [], "target": []}), "no data rows"),
    ],
)
def test_tables_unusable_as_a_whole_raise(raw, message):
    with pytest.raises(BadTableError, match=message):
        parse_composition_table(raw, schema=EXPT_GAP)


def test_a_text_value_in_an_oqmd_target_rejects_the_row_and_keeps_columns_numeric():
    raw = pd.DataFrame(
        {
            "formula": ["NaCl", "KBr", "LiF"],
            "formation_enthalpy_ev_per_atom": ["-1", "abc", "-2"],
            "band_gap_ev": ["1", "2", ""],
            "energy_per_atom_ev": ["-3", "-3", "-3"],
            "volume_per_atom_a3": ["10", "12", "0"],
        }
    )
    table = parse_composition_table(raw, schema=OQMD_FORMULAS)
    assert table.rejected["reason"].tolist() == [
        "formation_enthalpy_ev_per_atom: 'abc' is not a number",
        "volume_per_atom_a3: 0.0 is not positive (a volume is > 0)",
    ]
    assert table.accepted["formation_enthalpy_ev_per_atom"].dtype == float
    # a missing band gap is allowed (92 OQMD entries have none); only formulas are required
    only_formulas = parse_composition_table(
        pd.DataFrame({"formula": ["NaCl"]}), schema=OQMD_FORMULAS
    )
    assert len(only_formulas.accepted) == 1


def test_fractional_amounts_pass_when_not_written_out():
    table = parse_composition_table(pd.DataFrame({"formula": ["Ag0.5Ge1Pb1.75S4"]}))
    assert table.accepted["n_atoms"].item() == pytest.approx(7.25)


def test_missing_formula_column_is_a_clear_error():
    with pytest.raises(BadTableError, match="no 'formula' column"):
        parse_composition_table(pd.DataFrame({"composition": ["NaCl"]}))
