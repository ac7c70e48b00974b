"""Element representations behind one interface; no Kedro inside."""

from atomdl.representations.atom2vec import environment_matrix, train_atom2vec
from atomdl.representations.base import MissingElementsError, Representation
from atomdl.representations.sources import (
    PUBLISHED,
    atom_dl,
    magpie,
    one_hot,
    original_atom2vec,
    published,
    random_vectors,
)
from atomdl.representations.store import load_representations, save_representations

__all__ = [
    "PUBLISHED",
    "MissingElementsError",
    "Representation",
    "atom_dl",
    "environment_matrix",
    "load_representations",
    "magpie",
    "one_hot",
    "original_atom2vec",
    "published",
    "random_vectors",
    "save_representations",
    "train_atom2vec",
]
