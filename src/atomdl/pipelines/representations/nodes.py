"""Representation nodes: Atom2Vec trained here, then every representation in one set."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from atomdl.parameters import Representations

logger = logging.getLogger(__name__)


def train_atom2vec_vectors(compositions: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Atom2Vec on the same corpus the encoder learns from, so the comparison is on equal data."""
    from atomdl.representations import train_atom2vec

    params = Representations.model_validate(params)
    representation = train_atom2vec(
        compositions["elements"],
        compositions["amounts"],
        dim=params.atom2vec.dim,
        normalize_rows=params.atom2vec.normalize_rows,
    )
    logger.info("%s", representation.source)
    return representation.vectors


def build_element_representations(
    atom_dl_vectors: pd.DataFrame,
    atom2vec_vectors: pd.DataFrame,
    original_atom2vec_vectors: pd.DataFrame,
    vocabulary: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[dict, pd.DataFrame, dict]:
    """Every representation, by name; a summary (name, dim, source, coverage); and each
    table's fingerprint as an MLflow param (``sha256.<name>``)."""
    from atomdl.representations import Representation, atom_dl, one_hot, published, random_vectors

    params = Representations.model_validate(params)
    corpus_elements = vocabulary.loc[vocabulary["kind"] == "element", "token"].tolist()
    representations = [
        atom_dl(atom_dl_vectors, "pretraining pipeline output (model_output_atom_dl_vectors)"),
        *(atom_dl(release=name) for name in params.releases),
        Representation("atom2vec", atom2vec_vectors, "Atom2Vec trained here on the OQMD corpus"),
        *_original_atom2vec(original_atom2vec_vectors),
        *(published(name) for name in params.published),
        one_hot(corpus_elements),
        random_vectors(corpus_elements, dim=params.random.dim, seed=params.random.seed),
    ]
    summary = _summary(representations, corpus_elements)
    record = {"params": {f"sha256.{r.name}": r.sha256()[:16] for r in representations}}
    return {r.name: r for r in representations}, summary, record


def _original_atom2vec(vectors: pd.DataFrame) -> list:
    """The original Atom2Vec vectors when the user supplied them (docs/data.md), else none."""
    from atomdl.representations import Representation

    if vectors.empty:
        logger.info("No original Atom2Vec vectors in data/01_raw/atom2vec: left out")
        return []
    return [
        Representation("atom2vec_original", vectors, "original Atom2Vec vectors (Zhou et al. 2018)")
    ]


def _summary(representations: list, corpus_elements: list[str]) -> pd.DataFrame:
    """One row per representation: dimension, coverage of the paper's and the corpus's
    elements, fingerprint and source; the corpus elements each one lacks are logged."""
    from atomdl.analysis import MAIN_GROUP_ELEMENTS

    summary = pd.DataFrame(
        [
            {
                "representation": r.name,
                "dim": r.dim,
                "elements": len(r.elements),
                "missing_main_group": " ".join(r.missing(MAIN_GROUP_ELEMENTS)),
                "missing_corpus_elements": " ".join(r.missing(corpus_elements)),
                "sha256": r.sha256(),
                "source": r.source,
            }
            for r in representations
        ]
    )
    for row in summary.itertuples():
        if row.missing_corpus_elements:
            logger.info("%s lacks corpus elements: %s", row.representation,
                        row.missing_corpus_elements)  # fmt: skip
    return summary
