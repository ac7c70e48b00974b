import pytest

from atomdl.chemistry import (
    F_BLOCK_GROUP,
    class_key,
    element_symbols,
    element_table,
    group_of,
    valence_electrons,
)


def test_table_covers_the_periodic_table_in_order():
    table = element_table()
    assert len(table) == 118
    assert table["atomic_number"].tolist() == list(range(1, 119))
    assert {"H", "Fe", "Og"} <= element_symbols()


@pytest.mark.parametrize(
    ("symbol", "group", "period", "block"),
    [
        ("H", 1, 1, "s"),
        ("Cs", 1, 6, "s"),
        ("Ba", 2, 6, "s"),
        ("Fe", 8, 4, "d"),
        ("Tl", 13, 6, "p"),
        ("Pb", 14, 6, "p"),
        ("Se", 16, 4, "p"),
        ("I", 17, 5, "p"),
        ("Xe", 18, 5, "p"),
        ("La", 3, 6, "d"),
        ("Ce", F_BLOCK_GROUP, 6, "f"),
        ("Lu", F_BLOCK_GROUP, 6, "f"),
        ("U", F_BLOCK_GROUP, 7, "f"),
    ],
)
def test_group_period_block(symbol, group, period, block):
    row = element_table().loc[symbol]
    assert (row["group"], row["period"], row["block"]) == (group, period, block)
    assert group_of(symbol) == group


@pytest.mark.parametrize(
    ("symbol", "valence"),
    [
        ("H", 1),
        ("Li", 1),
        ("Mg", 2),
        ("B", 3),
        ("C", 4),
        ("N", 5),
        ("O", 6),
        ("F", 7),
        ("Ne", 8),
        ("Bi", 5),
        ("Fe", 8),
        ("Cu", 11),
    ],
)
def test_valence_electrons(symbol, valence):
    assert valence_electrons(symbol) == valence


def test_main_group_valence_follows_group_number():
    table = element_table()
    main = table[table["group"].isin([1, 2, 13, 14, 15, 16, 17]) & (table["period"] <= 6)]
    expected = main["group"].where(main["group"] <= 2, main["group"] - 10)
    assert (main["valence_electrons"] == expected).all()


def test_covalent_radii_are_in_angstrom():
    radius = element_table()["covalent_radius"]
    assert radius["H"] == pytest.approx(0.32) and radius["Mo"] == pytest.approx(1.38)


def test_unknown_symbol_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown element symbol 'Xx'"):
        group_of("Xx")
    with pytest.raises(KeyError, match="unknown element symbol 'Xx'"):
        valence_electrons("Xx")


def test_class_key_is_the_paper_example():
    assert class_key(["H", "F"]) == class_key(["H", "Cl"]) == "1|17"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (["Na", "Cl"], ["K", "Br"], True),
        (["Mo", "S", "Se"], ["W", "O", "Te"], True),
        (["Na", "Cl"], ["Mg", "Cl"], False),
        (["Na", "Cl"], ["Na", "K", "Cl"], False),  # groups 1,17 vs 1,1,17
        (["Ce", "O"], ["Sc", "O"], True),  # f-block elements sit in group 3
    ],
)
def test_class_key_compares_groups(a, b, same):
    assert (class_key(a) == class_key(b)) is same


def test_class_key_ignores_order_and_repeats():
    assert class_key(["Cl", "Na", "Cl"]) == class_key(["Na", "Cl"])
