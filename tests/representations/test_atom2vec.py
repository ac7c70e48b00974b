"""Atom2Vec: environments from formulas, and vectors that follow shared environments."""

import numpy as np
import pandas as pd
import pytest

from atomdl.analysis import cosine_distances
from atomdl.representations import environment_matrix, train_atom2vec

# Alkali halides, alkaline-earth chalcogenides and a few 1:2 compounds: Na/K/Rb share every
# environment, as do Cl/Br/I, Mg/Ca/Sr and O/S/Se, and the two families never meet.
FORMULAS = [
    ({"Na": 1, "Cl": 1}), ({"K": 1, "Cl": 1}), ({"Rb": 1, "Cl": 1}),
    ({"Na": 1, "Br": 1}), ({"K": 1, "Br": 1}), ({"Rb": 1, "Br": 1}),
    ({"Na": 1, "I": 1}), ({"K": 1, "I": 1}), ({"Rb": 1, "I": 1}),
    ({"Mg": 1, "O": 1}), ({"Ca": 1, "O": 1}), ({"Sr": 1, "O": 1}),
    ({"Mg": 1, "S": 1}), ({"Ca": 1, "S": 1}), ({"Sr": 1, "S": 1}),
    ({"Mg": 1, "Se": 1}), ({"Ca": 1, "Se": 1}), ({"Sr": 1, "Se": 1}),
    ({"Na": 2, "O": 1}), ({"K": 2, "S": 1}), ({"Mg": 1, "Cl": 2}), ({"Ca": 1, "Br": 2}),
]  # fmt: skip
ELEMENTS = [list(f) for f in FORMULAS]
AMOUNTS = [list(f.values()) for f in FORMULAS]


def test_environment_keeps_the_count_of_the_element_cut_out():
    matrix = environment_matrix([["Bi", "Se"], ["Na", "Cl"]], [[2, 3], [1, 1]])
    assert matrix.elements == ["Bi", "Cl", "Na", "Se"]
    assert set(matrix.environments) == {"(2)Se3", "Bi2(3)", "(1)Cl1", "Na1(1)"}
    dense = pd.DataFrame(matrix.counts.toarray(), matrix.elements, matrix.environments)
    assert dense.loc["Bi", "(2)Se3"] == 1 and dense.loc["Se", "Bi2(3)"] == 1
    assert dense.to_numpy().sum() == 4


def test_a_compound_listed_twice_counts_twice():
    matrix = environment_matrix([["Na", "Cl"], ["Na", "Cl"]], [[1, 1], [1, 1]])
    assert matrix.counts.toarray().max() == 2


def test_mismatched_amounts_are_reported_with_the_compound():
    with pytest.raises(ValueError, match="compound 1: 2 elements but 1 amounts"):
        environment_matrix([["Na", "Cl"], ["K", "Br"]], [[1, 1], [1]])


def test_similarities_follow_shared_environments():
    rep = train_atom2vec(ELEMENTS, AMOUNTS, dim=4)
    assert rep.dim == 4 and rep.name == "atom2vec"
    d = cosine_distances(rep.vectors)
    for family in (["Na", "K", "Rb"], ["Cl", "Br", "I"], ["Mg", "Ca", "Sr"], ["O", "S", "Se"]):
        inside = d.loc[family, family].to_numpy()[np.triu_indices(3, 1)].max()
        outside = d.loc[family, d.index.difference(family)].to_numpy().min()
        assert inside < outside, family
    assert d.loc["K", "Rb"] < 0.05  # identical environments
    assert d.loc["Na", "O"] > 0.5


def test_training_is_deterministic_and_checks_the_dimension():
    a = train_atom2vec(ELEMENTS, AMOUNTS, dim=3).vectors
    b = train_atom2vec(ELEMENTS[::-1], AMOUNTS[::-1], dim=3).vectors
    assert np.allclose(a.loc[b.index], b, atol=1e-8)
    with pytest.raises(ValueError, match="dim must be between 1 and 11"):
        train_atom2vec(ELEMENTS, AMOUNTS, dim=12)
