"""Periodic-table facts, read from ``mendeleev`` (never typed by hand).

Group convention: IUPAC groups 1-18 as given by mendeleev; mendeleev leaves the group of the
f-block elements Ce-Lu and Th-Lr empty, and here they are placed in **group 3** together with
La and Ac (the long-standing "lanthanides and actinides below group 3" layout). Their block stays
``"f"``, so code that needs to tell them apart from Sc and Y can.

Valence electrons follow ``mendeleev``'s ``nvalence``: outer-shell s+p electrons for the s- and
p-block, ns + (n-1)d for the d-block, ns + np + (n-1)d + (n-2)f for the f-block.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pandas as pd

__all__ = [
    "F_BLOCK_GROUP",
    "class_key",
    "element_symbols",
    "element_table",
    "group_of",
    "valence_electrons",
]

F_BLOCK_GROUP = 3


@cache
def element_table() -> pd.DataFrame:
    """One row per element, indexed by symbol, in order of atomic number.

    Columns: ``atomic_number, name, group, period, block, valence_electrons, covalent_radius``
    (Pyykko single-bond radius in angstrom), ``electronegativity`` (Pauling).
    """
    from mendeleev.econf import ElectronicConfiguration
    from mendeleev.fetch import fetch_table

    raw = fetch_table("elements").sort_values("atomic_number")
    group = raw["group_id"].where(raw["block"] != "f", F_BLOCK_GROUP)
    valence = [
        ElectronicConfiguration(conf).nvalence(block, period)
        for conf, block, period in zip(
            raw["electronic_configuration"], raw["block"], raw["period"], strict=True
        )
    ]
    table = pd.DataFrame(
        {
            "atomic_number": raw["atomic_number"].astype(int).to_numpy(),
            "name": raw["name"].to_numpy(),
            "group": group.astype(int).to_numpy(),
            "period": raw["period"].astype(int).to_numpy(),
            "block": raw["block"].to_numpy(),
            "valence_electrons": valence,
            "covalent_radius": raw["covalent_radius_pyykko"].to_numpy() / 100.0,
            "electronegativity": raw["en_pauling"].to_numpy(),
        },
        index=pd.Index(raw["symbol"].to_numpy(), name="symbol"),
    )
    return table


@cache
def element_symbols() -> frozenset[str]:
    """Every element symbol known to the periodic table (H ... Og)."""
    return frozenset(element_table().index)


@cache
def _groups() -> dict[str, int]:
    return element_table()["group"].to_dict()


def group_of(symbol: str) -> int:
    """Periodic-table group (1-18; f-block elements in group 3)."""
    try:
        return _groups()[symbol]
    except KeyError:
        raise KeyError(f"unknown element symbol {symbol!r}") from None


def valence_electrons(symbol: str) -> int:
    """Number of valence electrons (mendeleev's ``nvalence``)."""
    try:
        return int(element_table().at[symbol, "valence_electrons"])
    except KeyError:
        raise KeyError(f"unknown element symbol {symbol!r}") from None


def class_key(elements: Iterable[str]) -> str:
    """The formula "class" of the pretraining pair task, e.g. ``"1|17"`` for both HF and HCl.

    Two formulas are of the same class when their elements come from the same periodic-table
    groups: the key is the sorted multiset of the groups of the distinct elements, so NaCl and
    KBr share a class, while NaCl and NaKCl2 (groups 1, 1, 17) do not.
    """
    groups = _groups()
    return "|".join(str(g) for g in sorted(groups[symbol] for symbol in set(elements)))
