"""Atom2Vec (Zhou et al., PNAS 115, E6411 (2018)) trained on this project's own corpus.

Each compound gives every one of its elements an *environment*: the compound with that element
cut out and its count kept, so Bi in Bi2Se3 sees ``(2)Se3`` and Se sees ``Bi2(3)``. Counting how
often each element sits in each environment gives a sparse atom-environment matrix; its rows are
scaled to unit length (so that common elements such as O do not dominate), and a truncated SVD
gives each element the row of U·S. Elements that fill the same environments get similar vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import svds

from atomdl.representations.base import Representation

__all__ = ["EnvironmentMatrix", "environment_matrix", "train_atom2vec"]


@dataclass(frozen=True)
class EnvironmentMatrix:
    counts: sparse.csr_matrix  # elements x environments
    elements: list[str]
    environments: list[str]


def _amount(value: float) -> str:
    return f"{value:g}"


def environment_matrix(
    elements: Sequence[Sequence[str]], amounts: Sequence[Sequence[float]]
) -> EnvironmentMatrix:
    """Count, for each element and environment, the compounds in which the element sits there."""
    atoms: list[str] = []
    keys: list[str] = []
    for compound, (symbols, counts) in enumerate(zip(elements, amounts, strict=True)):
        if len(symbols) != len(counts):
            raise ValueError(
                f"compound {compound}: {len(symbols)} elements but {len(counts)} amounts"
            )
        parts = [f"{s}{_amount(a)}" for s, a in zip(symbols, counts, strict=True)]
        for i, symbol in enumerate(symbols):
            atoms.append(symbol)
            keys.append("".join([*parts[:i], f"({_amount(counts[i])})", *parts[i + 1 :]]))
    if not atoms:
        raise ValueError("no compounds to build an atom-environment matrix from")
    atom_codes, atom_names = pd.factorize(pd.Series(atoms), sort=True)
    env_codes, env_names = pd.factorize(pd.Series(keys), sort=True)
    counts = sparse.coo_matrix(
        (np.ones(len(atoms)), (atom_codes, env_codes)),
        shape=(len(atom_names), len(env_names)),
    ).tocsr()  # duplicates (the same compound twice) add up
    return EnvironmentMatrix(counts, list(atom_names), list(env_names))


def train_atom2vec(
    elements: Sequence[Sequence[str]],
    amounts: Sequence[Sequence[float]],
    dim: int = 20,
    normalize_rows: bool = True,
) -> Representation:
    """Atom2Vec vectors (rows of U·S of the truncated SVD), ``dim`` components, largest first.

    Each component's sign is fixed so that its largest-magnitude entry is positive, making the
    result deterministic (an SVD leaves signs free).
    """
    matrix = environment_matrix(elements, amounts)
    n_elements = len(matrix.elements)
    if not 0 < dim < n_elements:
        raise ValueError(f"dim must be between 1 and {n_elements - 1} elements, got {dim}")
    counts = matrix.counts.astype(float)
    if normalize_rows:
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        counts = sparse.diags(1.0 / norms) @ counts
    v0 = np.ones(min(counts.shape))  # fixed start vector: the same answer on every run
    u, s, _ = svds(counts, k=dim, v0=v0)
    order = np.argsort(s)[::-1]
    u, s = u[:, order], s[order]
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(dim)])
    vectors = (u * signs) * s
    table = pd.DataFrame(
        vectors,
        index=pd.Index(matrix.elements, name="symbol"),
        columns=[f"atom2vec_{i}" for i in range(dim)],
    )
    source = (
        f"Atom2Vec trained here: {counts.shape[0]} elements x {counts.shape[1]} environments "
        f"from {len(elements)} compounds, truncated SVD to {dim} dims"
    )
    return Representation("atom2vec", table, source)
