"""Every representation loads, says what it is, and names the elements it lacks."""

import numpy as np
import pandas as pd
import pytest

from atomdl.analysis import MAIN_GROUP_ELEMENTS
from atomdl.chemistry import parse_formula
from atomdl.representations import (
    PUBLISHED,
    MissingElementsError,
    Representation,
    atom_dl,
    one_hot,
    original_atom2vec,
    published,
    random_vectors,
)
from tests.conftest import EMBEDDED


@pytest.fixture(scope="module")
def corpus_elements() -> set[str]:
    formulas = pd.read_csv(EMBEDDED / "oqmd_formulas.csv.gz", usecols=["formula"])["formula"]
    return set().union(*(parse_formula(f) for f in formulas.sample(20000, random_state=0)))


@pytest.fixture(scope="module")
def janus_elements(c2db_export) -> set[str]:
    from atomdl.materials.janus import clean_c2db_export, janus_table

    table = janus_table(clean_c2db_export(c2db_export)).materials
    assert len(table) == 216
    return set(table["m"]) | set(table["x"]) | set(table["y"])


def test_lookup_keeps_order_and_lists_every_missing_element():
    rep = Representation("toy", pd.DataFrame({"a": [1.0, 2.0]}, index=["Na", "Cl"]), "test")
    assert rep.vectors_for(["Cl", "Na"])["a"].tolist() == [2.0, 1.0]
    with pytest.raises(
        MissingElementsError, match=r"'toy' has no vector for 2 element\(s\): Fe, Og"
    ):
        rep.vectors_for(["Na", "Og", "Fe"])
    assert rep.missing(["Na", "Xe"]) == ["Xe"] and not rep.covers(["Xe"])


def test_a_representation_refuses_repeated_or_non_finite_rows():
    with pytest.raises(ValueError, match="repeats elements"):
        Representation("bad", pd.DataFrame({"a": [1.0, 2.0]}, index=["Na", "Na"]), "test")
    with pytest.raises(ValueError, match=r"non-finite values for \['Cl'\]"):
        Representation("bad", pd.DataFrame({"a": [1.0, np.nan]}, index=["Na", "Cl"]), "test")


def test_released_atom_dl_covers_the_whole_corpus_and_the_janus_materials(
    corpus_elements, janus_elements
):
    rep = atom_dl()
    assert rep.dim == 16 and rep.vectors.index.name == "symbol"
    assert rep.covers(corpus_elements) and rep.covers(janus_elements)
    assert "release" in rep.source and "epochs" in rep.source


def test_another_release_stands_beside_the_paper_s_under_its_own_name(monkeypatch):
    """``representations.releases``: a second release becomes ``atom_dl_<release>`` in the set
    the analysis and featurization read, next to the paper's ``atom_dl``."""
    import atomdl.pretraining.release as release
    from atomdl.pipelines.representations.nodes import build_element_representations

    paper = release.released_vectors()
    other = paper * -1.0  # stands in for a second release's table
    monkeypatch.setattr(
        release, "released_vectors", lambda name="paper": other if name != "paper" else paper
    )
    info = {"epochs": 80, "training_formulas": 331_000, "training_data_sha256": "ab" * 32}
    monkeypatch.setattr(release, "release_info", lambda name="paper": info)
    rep = atom_dl(release="property_aware")
    assert rep.name == "atom_dl_property_aware" and rep.source.startswith("atomdl property_aware")
    pd.testing.assert_frame_equal(rep.vectors, other)

    vocabulary = pd.DataFrame({"token": list(paper.index), "kind": "element"})
    options = {"published": [], "releases": ["property_aware"], "random": {"dim": 4, "seed": 0}}
    built, summary, _ = build_element_representations(
        paper, paper.iloc[:, :5], pd.DataFrame(), vocabulary, options
    )
    assert list(built)[:3] == ["atom_dl", "atom_dl_property_aware", "atom2vec"]
    pd.testing.assert_frame_equal(built["atom_dl_property_aware"].vectors, other)
    assert summary.set_index("representation").loc["atom_dl_property_aware", "dim"] == 16


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_tables_cover_the_main_group_and_janus_elements(name, janus_elements):
    rep = published(name)
    expected_dim = {"magpie": 22, "mat2vec": 200, "megnet16": 16, "skipatom": 200, "oliynyk": 44}
    assert rep.dim == expected_dim[name]
    assert rep.covers(MAIN_GROUP_ELEMENTS) and rep.covers(janus_elements)
    assert "ElementEmbeddings" in rep.source


def test_magpie_is_the_magpie_table():
    table = published("magpie").vectors
    assert table.loc["O", "Number"] == 8 and table.loc["Fe", "Column"] == 8
    assert table.loc["Cl", "Electronegativity"] == pytest.approx(3.16)


def test_unknown_published_name_is_refused():
    with pytest.raises(ValueError, match="unknown published representation 'mat3vec'"):
        published("mat3vec")


def test_original_atom2vec_maps_rows_to_elements_by_index(atom2vec_folder):
    rep = original_atom2vec(atom2vec_folder)
    assert rep.dim == 20 and len(rep.elements) == 87
    assert rep.elements[:3] == ["H", "He", "Li"]
    assert {"Ne", "Ar", "Po", "At", "Rn", "Fr", "Ra"}.isdisjoint(rep.elements)
    first = np.loadtxt(atom2vec_folder / "atoms_vec.txt", max_rows=1)
    assert rep.vectors.loc["H"].to_numpy() == pytest.approx(first)


def test_original_atom2vec_reports_missing_or_mismatched_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="lacks atoms_vec.txt, atoms_index.txt"):
        original_atom2vec(tmp_path)
    np.savetxt(tmp_path / "atoms_vec.txt", np.ones((3, 4)))
    np.savetxt(tmp_path / "atoms_index.txt", [0, 1], fmt="%d")
    with pytest.raises(ValueError, match="3 vectors in atoms_vec.txt but 2 indices"):
        original_atom2vec(tmp_path)


def test_controls_one_hot_and_seeded_random():
    elements = ["H", "He", "Li"]
    hot = one_hot(elements)
    assert hot.vectors.to_numpy().tolist() == np.eye(3).tolist()
    a, b = random_vectors(elements, 8, seed=3), random_vectors(elements, 8, seed=3)
    assert a.dim == 8 and a.vectors.equals(b.vectors)
    assert not a.vectors.equals(random_vectors(elements, 8, seed=4).vectors)
