"""Where element representations come from: this project's models, published tables, controls.

Published tables are read through ElementEmbeddings (Onwuli et al., Faraday Discuss. 2024), which
ships them with their citations; nothing here is typed in by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from atomdl.chemistry import element_table
from atomdl.representations.base import Representation

__all__ = [
    "PUBLISHED",
    "atom_dl",
    "magpie",
    "one_hot",
    "original_atom2vec",
    "published",
    "random_vectors",
]

#: ElementEmbeddings names of the published tables offered here, with what they are.
PUBLISHED = {
    "magpie": "Magpie: 22 element properties (Ward et al., npj Comput. Mater. 2016)",
    "mat2vec": "mat2vec: word2vec on 3.3M abstracts, 200-d (Tshitoyan et al., Nature 2019)",
    "megnet16": "MEGNet: 16-d embedding of a graph network (Chen et al., Chem. Mater. 2019)",
    "skipatom": "SkipAtom: 200-d, from Materials Project structures (Antunes et al., npj 2022)",
    "oliynyk": "Oliynyk: 44 element properties (Oliynyk et al., Chem. Mater. 2016)",
}

ATOM2VEC_FILES = ("atoms_vec.txt", "atoms_index.txt")


def atom_dl(
    vectors: pd.DataFrame | None = None, source: str | None = None, release: str = "paper"
) -> Representation:
    """Atom_DL: the pretrained encoder's input embeddings; a committed release by default.

    The paper release is ``atom_dl``, the faithful row; another release is ``atom_dl_<release>``
    (e.g. ``atom_dl_property_aware``), so both can stand in one comparison.
    """
    name = "atom_dl" if release == "paper" else f"atom_dl_{release}"
    if vectors is None:
        from atomdl.pretraining.release import release_info, released_vectors

        info = release_info(release)
        vectors = released_vectors(release)
        source = source or (
            f"atomdl {release} release ({info['epochs']} epochs, {info['training_formulas']} "
            f"OQMD formulas, data sha256 {info['training_data_sha256'][:12]})"
        )
    return Representation(name, vectors, source or "atomdl pretraining")


def published(name: str) -> Representation:
    """A published table from ElementEmbeddings, by its name there (see ``PUBLISHED``)."""
    if name not in PUBLISHED:
        raise ValueError(f"unknown published representation {name!r}; known: {sorted(PUBLISHED)}")
    from elementembeddings.core import Embedding

    embedding = Embedding.load_data(name)
    table = embedding.as_dataframe()
    if not embedding.feature_labels or len(embedding.feature_labels) != table.shape[1]:
        table.columns = [f"{name}_{i}" for i in range(table.shape[1])]
    return Representation(name, table, f"{PUBLISHED[name]}; via ElementEmbeddings")


def magpie() -> Representation:
    """Magpie's 22 properties as ElementEmbeddings ships them.

    Gaps of the matminer source tables (e.g. electronegativity of He and Ne, ground-state volume of
    Po-Ra) arrive already filled by ElementEmbeddings; the values are used as shipped, not
    re-imputed, and are raw (unscaled): consumers scale inside their own pipelines.
    """
    return published("magpie")


def original_atom2vec(folder: str | Path) -> Representation:
    """The original Atom2Vec vectors (Zhou et al., PNAS 2018; idocx/Atom2Vec, MIT).

    ``atoms_vec.txt`` holds one 20-d row per element, ``atoms_index.txt`` each row's index into
    H, He, Li, ... (index 0 is H, so Z = index + 1).
    """
    folder = Path(folder)
    missing = [name for name in ATOM2VEC_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)} (original Atom2Vec vectors)")
    values = np.loadtxt(folder / "atoms_vec.txt", ndmin=2)
    index = np.loadtxt(folder / "atoms_index.txt", dtype=int, ndmin=1)
    if len(index) != len(values):
        raise ValueError(
            f"{folder}: {len(values)} vectors in atoms_vec.txt but {len(index)} indices in "
            "atoms_index.txt"
        )
    by_z = element_table().reset_index().set_index("atomic_number")["symbol"]
    unknown = sorted(set(index + 1) - set(by_z.index))
    if unknown:
        raise ValueError(f"{folder}/atoms_index.txt: no element has Z = {unknown}")
    table = pd.DataFrame(
        values,
        index=pd.Index(by_z.loc[index + 1].to_numpy(), name="symbol"),
        columns=[f"atom2vec_{i}" for i in range(values.shape[1])],
    )
    return Representation(
        "atom2vec_original", table, f"original Atom2Vec vectors (Zhou et al. 2018) from {folder}"
    )


def one_hot(elements: Iterable[str]) -> Representation:
    """Control: one dimension per element, so every pair of elements is equally far apart."""
    elements = list(elements)
    table = pd.DataFrame(
        np.eye(len(elements)), index=pd.Index(elements, name="symbol"), columns=elements
    )
    return Representation("one_hot", table, f"one-hot over {len(elements)} elements")


def random_vectors(elements: Iterable[str], dim: int = 16, seed: int = 0) -> Representation:
    """Control: seeded standard-normal vectors, carrying no chemistry at all."""
    elements = list(elements)
    values = np.random.default_rng(seed).standard_normal((len(elements), dim))
    table = pd.DataFrame(
        values,
        index=pd.Index(elements, name="symbol"),
        columns=[f"random_{i}" for i in range(dim)],
    )
    return Representation("random", table, f"standard normal, {dim}-d, seed {seed}")
