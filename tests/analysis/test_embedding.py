"""Embedding measures on vectors whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from atomdl.analysis import (
    MAIN_GROUP_ELEMENTS,
    cluster_agreement,
    cosine_distances,
    embedding_metrics,
    mantel,
    nearest_neighbour_agreement,
    principal_components,
    valence_correlation,
)
from atomdl.chemistry import group_of, valence_electrons

ELEMENTS = list(MAIN_GROUP_ELEMENTS)
GROUPS = [group_of(s) for s in ELEMENTS]


def _perfect(noise: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """One direction per group, a little noise, and the valence count on a last axis."""
    rng = np.random.default_rng(seed)
    columns = sorted(set(GROUPS))
    values = np.array([[float(g == c) for c in columns] for g in GROUPS])
    values += noise * rng.standard_normal(values.shape)
    return pd.DataFrame(values, index=ELEMENTS)


def _random(seed: int) -> pd.DataFrame:
    return pd.DataFrame(np.random.default_rng(seed).standard_normal((34, 16)), index=ELEMENTS)


def test_the_34_elements_are_the_papers_main_groups():
    assert len(ELEMENTS) == 34 == len(set(ELEMENTS))
    assert pd.Series(GROUPS).value_counts().sort_index().to_dict() == {
        1: 6,
        2: 5,
        13: 5,
        14: 5,
        15: 5,
        16: 4,
        17: 4,
    }


def test_a_perfect_embedding_scores_one():
    d = cosine_distances(_perfect())
    assert nearest_neighbour_agreement(d, GROUPS) == 1.0
    ari, clusters = cluster_agreement(d, GROUPS)
    assert ari == pytest.approx(1.0) and len(set(clusters)) == 7


def test_random_embeddings_score_near_chance():
    nn = [nearest_neighbour_agreement(cosine_distances(_random(s)), GROUPS) for s in range(20)]
    ari = [cluster_agreement(cosine_distances(_random(s)), GROUPS)[0] for s in range(20)]
    # chance for a nearest neighbour: about 4 of the other 33 elements share a group
    assert 0.03 < np.mean(nn) < 0.25
    assert abs(np.mean(ari)) < 0.05


def test_ties_count_fractionally_so_one_hot_scores_exactly_chance():
    d = cosine_distances(pd.DataFrame(np.eye(34), index=ELEMENTS))
    same = np.array([[g == h for h in GROUPS] for g in GROUPS]).sum(axis=1) - 1
    assert nearest_neighbour_agreement(d, GROUPS) == pytest.approx(np.mean(same / 33))


def test_zero_vectors_are_refused_by_name():
    with pytest.raises(ValueError, match=r"all-zero vectors: \['He'\]"):
        cosine_distances(pd.DataFrame([[1.0, 0.0], [0.0, 0.0]], index=["H", "He"]))


def test_pc1_follows_valence_when_the_vectors_say_so():
    valence = np.array([valence_electrons(s) for s in ELEMENTS], dtype=float)
    rng = np.random.default_rng(1)
    vectors = pd.DataFrame(
        np.column_stack([5 * valence, rng.normal(0, 0.1, (34, 3))]), index=ELEMENTS
    )
    components = principal_components(vectors, standardize=False)
    assert valence_correlation(components.scores) > 0.98  # ties in valence, noise inside them
    assert components.explained_variance_ratio[0] > 0.9
    flipped = principal_components(-vectors, standardize=False)
    assert valence_correlation(flipped.scores) > 0  # PC1 oriented along valence either way


def test_standardising_stops_one_large_unit_from_owning_pc1():
    rng = np.random.default_rng(2)
    values = rng.standard_normal((34, 3))
    values[:, 0] *= 1000  # e.g. a melting point next to electronegativities
    vectors = pd.DataFrame(values, index=ELEMENTS)
    assert principal_components(vectors, standardize=False).explained_variance_ratio[0] > 0.99
    assert principal_components(vectors).explained_variance_ratio[0] < 0.6


def test_mantel_of_a_matrix_with_itself_and_with_noise():
    a = cosine_distances(_random(3))
    r, p, shared = mantel(a, a, permutations=199)
    assert r == pytest.approx(1.0) and p == pytest.approx(1 / 200) and shared == 34
    r, p, _ = mantel(a, cosine_distances(_random(4)), permutations=199)
    assert abs(r) < 0.15 and p > 0.05


def test_mantel_uses_the_shared_elements_and_is_undefined_for_equal_distances():
    a = cosine_distances(_random(5))
    subset = a.iloc[:20, :20]
    assert mantel(a, subset, permutations=9)[2] == 20
    flat = cosine_distances(pd.DataFrame(np.eye(34), index=ELEMENTS))
    r, p, _ = mantel(a, flat, permutations=9)
    assert np.isnan(r) and np.isnan(p)


def test_metrics_table_ranks_the_perfect_embedding_above_the_random_one():
    table = embedding_metrics(
        {"perfect": _perfect(), "random": _random(0), "partial": _perfect().iloc[:30]},
        reference="perfect",
        permutations=99,
    ).set_index("representation")
    assert table.loc["perfect", "nn_same_group"] == 1.0
    assert table.loc["perfect", "cluster_ari"] == pytest.approx(1.0)
    assert table.loc["random", "nn_same_group"] < 0.5
    assert table.loc["perfect", "mantel_r_vs_perfect"] == pytest.approx(1.0)
    assert table.loc["partial", "elements_covered"] == 30
    assert table.loc["partial", "mantel_shared_elements"] == 30
    with pytest.raises(KeyError, match="reference representation 'atom_dl'"):
        embedding_metrics({"random": _random(0)})


def test_zscoring_lets_small_unit_properties_count():
    from atomdl.analysis import zscored

    # column 0 in large units separates nothing; column 1 separates two families
    table = pd.DataFrame(
        {"big": [1000.0, 1001.0, 1002.0, 1003.0], "small": [1.0, 1.1, -1.0, -1.1]},
        index=["Na", "K", "Cl", "Br"],
    )
    raw, scaled = cosine_distances(table), cosine_distances(zscored(table))
    assert raw.to_numpy().max() < 1e-5  # every element looks the same
    assert scaled.loc["Na", "K"] < scaled.loc["Na", "Cl"]
    assert zscored(table).std(ddof=0).to_numpy() == pytest.approx([1.0, 1.0])
    constant = zscored(pd.DataFrame({"c": [2.0, 2.0]}, index=["H", "He"]))
    assert constant["c"].tolist() == [0.0, 0.0]
