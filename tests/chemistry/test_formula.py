import math

import pandas as pd
import pytest

from atomdl.chemistry import FormulaError, parse_formula, parse_formulas
from tests.conftest import EMBEDDED


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("Co12Mn5Nd2", {"Co": 12, "Mn": 5, "Nd": 2}),
        ("Ac1Ag1As1O1", {"Ac": 1, "Ag": 1, "As": 1, "O": 1}),
        ("Ag(W3Br7)2", {"Ag": 1, "W": 6, "Br": 14}),
        ("Ag0.5Ge1Pb1.75S4", {"Ag": 0.5, "Ge": 1, "Pb": 1.75, "S": 4}),
        ("Ca(OH)2", {"Ca": 1, "O": 2, "H": 2}),
        ("K4[Fe(CN)6]", {"K": 4, "Fe": 1, "C": 6, "N": 6}),
        ("Mg3(Al(SiO4)2)2", {"Mg": 3, "Al": 2, "Si": 4, "O": 16}),
        ("CuSO4·5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        ("Na2CO3*10H2O", {"Na": 2, "C": 1, "O": 13, "H": 20}),
        ("CH3COOH", {"C": 2, "H": 4, "O": 2}),
        ("  NaCl\t\n", {"Na": 1, "Cl": 1}),
        ("Fe.5O", {"Fe": 0.5, "O": 1}),
        ("Og", {"Og": 1}),
    ],
)
def test_parses_formulas_as_written_in_the_datasets(formula, expected):
    parsed = parse_formula(formula)
    assert parsed.keys() == expected.keys()
    assert all(math.isclose(parsed[s], expected[s]) for s in expected)


def test_keeps_order_of_first_appearance():
    assert list(parse_formula("OFe2(OH)")) == ["O", "Fe", "H"]


@pytest.mark.parametrize(
    ("formula", "reason"),
    [
        ("", "empty formula"),
        ("   ", "empty formula"),
        ("Xx2O", "unknown element symbol 'Xx'"),
        ("Fe2Oo3", "unknown element symbol 'Oo'"),
        ("fe2O3", "must start with a capital letter"),
        ("Fe2(O3", "unbalanced bracket: missing ')'"),
        ("Fe2O3)", "unbalanced bracket ')'"),
        ("Fe2(O3]", "unbalanced bracket ']'"),
        ("Fe-2O3", "negative amount"),
        ("Fe2(O)-3", "negative amount"),
        ("Fe0O", "amount of Fe is zero"),
        ("Fe(O)0", "amount is zero"),
        ("Na()Cl", "empty brackets"),
        ("NaCl·", "expected an element symbol"),
        ("Fe2 O3", "white space inside the formula"),
        ("Fe2O3!", "unexpected character '!'"),
    ],
)
def test_bad_formulas_raise_one_error_type_naming_formula_and_reason(formula, reason):
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert reason in str(caught.value)
    assert repr(formula) in str(caught.value)
    assert caught.value.formula == formula


@pytest.mark.parametrize("value", [None, 3, float("nan")])
def test_non_strings_raise_formula_error(value):
    with pytest.raises(FormulaError, match="expected a string"):
        parse_formula(value)


TRICKY = [
    "Co12Mn5Nd2",
    "Ag(W3Br7)2",
    "CH3COOH",
    "NaNa",
    "fe2O3",
    "",
    "  NaCl ",
    "Fe2 O3",
    "Xx2",
    "Fe0O",
    "Fe.5O",
    "Fe2..5O",
    "CuSO4·5H2O",
    None,
    "Ab",
    "Og",
    "H\nO",
    "Na1Cl1\n",
    "Fe123456789012345O",
    "O",
    "Fe2O3)",
    "Ag0.5Ge1Pb1.75S4",
]


def _outcome(parse, *args):
    try:
        return parse(*args)
    except FormulaError as error:
        return str(error)


def test_batch_parser_gives_what_the_single_parser_gives_row_by_row():
    batch = parse_formulas(TRICKY)
    assert len(batch) == len(TRICKY)
    for row, formula in enumerate(TRICKY):
        assert _outcome(batch.composition, row) == _outcome(parse_formula, formula), formula
    assert sorted(batch.errors) == [
        row for row, f in enumerate(TRICKY) if isinstance(_outcome(parse_formula, f), str)
    ]


def test_batch_parser_layout_is_columnar():
    batch = parse_formulas(["NaCl", "Xx", "Ca(OH)2"])
    assert batch.offsets.tolist() == [0, 2, 2, 5]
    assert batch.elements.tolist() == ["Na", "Cl", "Ca", "O", "H"]
    assert batch.amounts.tolist() == [1, 1, 1, 2, 2]
    assert list(batch.errors) == [1]


def test_batch_parser_accepts_an_empty_column():
    batch = parse_formulas([])
    assert len(batch) == 0 and not batch.errors and batch.elements.size == 0


@pytest.mark.parametrize("name", ["oqmd_formulas.csv.gz", "matbench_expt_gap.csv"])
def test_every_embedded_formula_parses_the_same_both_ways(name):
    formulas = pd.read_csv(EMBEDDED / name)["formula"].tolist()
    batch = parse_formulas(formulas)
    assert not batch.errors and (batch.amounts > 0).all()
    assert all(batch.composition(i) == parse_formula(f) for i, f in enumerate(formulas))


def test_deeply_nested_formulas_parse_without_recursion():
    depth = 5000
    parsed = parse_formula("(" * depth + "H" + ")" * depth)
    assert parsed == {"H": 1.0}
    with pytest.raises(FormulaError, match="unbalanced bracket: missing"):
        parse_formula("(" * depth + "H")


@pytest.mark.parametrize(
    ("formula", "reason"),
    [
        ("H" + "2" * 400, "is too large"),  # one amount beyond a float
        ("O(H" + "9" * 200 + ")" + "9" * 200, "amount of H is too large"),  # a product
        ("H1" + "0" * 308 + "He1" + "0" * 308, "number of atoms is too large"),
        ("(" * 400 + "H" + ")9" * 400, "amount of H is too large"),  # deep multiplication
    ],
)
def test_amounts_that_overflow_are_refused(formula, reason):
    with pytest.raises(FormulaError, match=reason):
        parse_formula(formula)
    batch = parse_formulas([formula, "NaCl"])
    assert list(batch.errors) == [0] and reason.split()[-1] in batch.errors[0].reason


def test_a_long_formula_of_many_terms_parses():
    parsed = parse_formula("H1O1" * 5000 + "(NaCl)2")
    assert parsed == {"H": 5000.0, "O": 5000.0, "Na": 2.0, "Cl": 2.0}
