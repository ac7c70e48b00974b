"""Representation nodes: Atom2Vec trained here, then every representation in one set."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)


def train_atom2vec_vectors(compositions: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """Atom2Vec on the same corpus the encoder learns from, so the comparison is on equal data."""
    from atomdl.representations import train_atom2vec

    representation = train_atom2vec(
        compositions["elements"], compositions["amounts"], **options["atom2vec"]
    )
    logger.info("%s", representation.source)
    return representation.vectors


def build_element_representations(
    atom_dl_vectors: pd.DataFrame,
    atom2vec_vectors: pd.DataFrame,
    original_atom2vec_vectors: pd.DataFrame,
    vocabulary: pd.DataFrame,
    options: dict[str, Any],
) -> tuple[dict, pd.DataFrame, dict]:
    """Every representation, by name; a summary (name, dim, source, coverage); and each
    table's fingerprint as an MLflow param (``sha256.<name>``)."""
    from atomdl.evaluation import MAIN_GROUP_ELEMENTS
    from atomdl.representations import (
        Representation,
        atom_dl,
        one_hot,
        published,
        random_vectors,
    )

    corpus_elements = vocabulary.loc[vocabulary["kind"] == "element", "token"].tolist()
    representations = [
        atom_dl(atom_dl_vectors, "pretraining pipeline output (model_output_atom_dl_vectors)"),
        *(atom_dl(release=name) for name in options.get("releases") or []),
        Representation("atom2vec", atom2vec_vectors, "Atom2Vec trained here on the OQMD corpus"),
    ]
    if original_atom2vec_vectors.empty:
        logger.info("No original Atom2Vec vectors in data/01_raw/atom2vec: left out")
    else:
        representations.append(
            Representation(
                "atom2vec_original",
                original_atom2vec_vectors,
                "original Atom2Vec vectors (Zhou et al. 2018)",
            )  # fmt: skip
        )
    representations += [published(name) for name in options["published"]]
    representations += [
        one_hot(corpus_elements),
        random_vectors(corpus_elements, **options["random"]),
    ]
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
    record = {"params": {f"sha256.{r.name}": r.sha256()[:16] for r in representations}}
    return {r.name: r for r in representations}, summary, record
