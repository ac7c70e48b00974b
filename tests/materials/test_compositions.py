import pandas as pd
import pytest

from atomdl.materials import REJECT_COLUMNS, parse_composition_table

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
    assert list(table.rejected.columns) == REJECT_COLUMNS
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


def test_required_numeric_columns_reject_missing_and_text_values():
    raw = pd.DataFrame({"formula": ["NaCl", "KBr", "LiF"], "target": ["1.5", "", "n/a"]})
    table = parse_composition_table(raw, required_columns=["target"])
    assert table.accepted["target"].tolist() == [1.5]
    assert table.rejected["reason"].tolist() == ["target: missing", "target: 'n/a' is not a number"]


def test_fractional_amounts_pass_when_not_written_out():
    table = parse_composition_table(pd.DataFrame({"formula": ["Ag0.5Ge1Pb1.75S4"]}))
    assert table.accepted["n_atoms"].item() == pytest.approx(7.25)


def test_missing_formula_column_is_a_clear_error():
    with pytest.raises(KeyError, match="no 'formula' column"):
        parse_composition_table(pd.DataFrame({"composition": ["NaCl"]}))
