"""Embedding-analysis nodes: every representation built, measured and drawn (Figures 4-6)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

FIGURE_FORMATS = ("png", "svg")


def train_atom2vec_vectors(compositions: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """Atom2Vec on the same corpus the encoder learns from, so the comparison is on equal data."""
    from atomdl.representations import train_atom2vec

    representation = train_atom2vec(
        compositions["elements"], compositions["amounts"], **options["atom2vec"]
    )
    logger.info("%s", representation.source)
    return representation.vectors


def collect_representations(
    atom_dl_vectors: pd.DataFrame,
    atom2vec_vectors: pd.DataFrame,
    original_atom2vec_vectors: pd.DataFrame,
    vocabulary: pd.DataFrame,
    options: dict[str, Any],
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every representation as one table each, and a summary: name, dim, source, coverage."""
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
    return {r.name: r.vectors for r in representations}, summary


def _loaded(
    partitions: dict[str, Callable[[], pd.DataFrame]], order: pd.Series, zscored: list[str]
) -> dict:
    """Partitions loaded in the summary's order (a partitioned dataset has none), each table
    named in ``zscored`` followed by its z-scored view (``<name>_zscored``)."""
    from atomdl.evaluation import zscored as zscore

    missing = sorted(set(order) - set(partitions))
    if missing:
        raise KeyError(f"element representations lack the partitions {missing}")
    unknown = sorted(set(zscored) - set(order))
    if unknown:
        raise KeyError(f"embedding_analysis.zscored names unknown representations {unknown}")
    loaded = {}
    for name in order:
        loaded[name] = partitions[name]()
        if name in zscored:
            loaded[f"{name}_zscored"] = zscore(loaded[name])
    return loaded


def _main_group(vectors: pd.DataFrame, name: str) -> pd.DataFrame:
    """The reference's rows for the paper's 34 main-group elements that it has (a model trained
    on a slice of the corpus may lack some: they are named, not silently skipped)."""
    from atomdl.evaluation import MAIN_GROUP_ELEMENTS

    present = [s for s in MAIN_GROUP_ELEMENTS if s in vectors.index]
    if len(present) < len(MAIN_GROUP_ELEMENTS):
        logger.warning(
            "%s lacks %d of the 34 main-group elements (%s): the analysis uses the other %d",
            name, len(MAIN_GROUP_ELEMENTS) - len(present),
            " ".join(s for s in MAIN_GROUP_ELEMENTS if s not in vectors.index), len(present),
        )  # fmt: skip
    return vectors.loc[present]


def measure_embeddings(
    partitions: dict[str, Callable[[], pd.DataFrame]],
    summary: pd.DataFrame,
    options: dict[str, Any],
) -> tuple[pd.DataFrame, str, pd.DataFrame]:
    """The metrics table (CSV and Markdown) and the reference's principal components."""
    from atomdl.evaluation import embedding_metrics, principal_components
    from atomdl.evaluation.tracking import log_embedding_metrics

    representations = _loaded(partitions, summary["representation"], options["zscored"])
    reference = options["reference"]
    metrics = embedding_metrics(
        representations,
        reference=reference,
        linkage_method=options["linkage"],
        standardize=options["pca"]["standardize"],
        permutations=options["mantel_permutations"],
        seed=options["seed"],
    )
    components = principal_components(
        _main_group(representations[reference], reference),
        n_components=options["pca"]["components"],
        standardize=options["pca"]["standardize"],
    )
    variance = pd.DataFrame(
        [components.explained_variance_ratio],
        index=pd.Index(["explained_variance_ratio"], name="symbol"),
        columns=components.scores.columns,
    )
    scores = pd.concat([components.scores, variance])
    markdown = metrics.to_markdown(index=False, floatfmt=".3f")
    log_embedding_metrics(metrics, summary, markdown)
    for row in metrics.itertuples():
        logger.info(
            "%-18s NN same group %.2f  ARI %.2f  |rho(PC1, valence)| %.2f",
            row.representation, row.nn_same_group, row.cluster_ari,
            row.pc1_valence_abs_spearman,
        )  # fmt: skip
    return metrics, markdown, scores


def draw_embedding_figures(
    partitions: dict[str, Callable[[], pd.DataFrame]],
    summary: pd.DataFrame,
    options: dict[str, Any],
) -> tuple[dict, dict]:
    """Figures 4-6 for the reference, its PC1-valence plot and similarity heat map, and the
    dendrograms of every representation; the same figures for the PNG and the SVG writer."""
    from atomdl.evaluation import MAIN_GROUP_ELEMENTS, principal_components, valence_correlation
    from atomdl.evaluation.figures import (
        dendrogram_figure,
        dendrogram_panels,
        display_name,
        pca_figure,
        similarity_heatmap,
        valence_figure,
    )
    from atomdl.evaluation.tracking import log_figures

    representations = _loaded(partitions, summary["representation"], options["zscored"])
    reference = options["reference"]
    main_group = list(MAIN_GROUP_ELEMENTS)
    vectors = _main_group(representations[reference], reference)
    components = principal_components(
        vectors, n_components=options["pca"]["components"],
        standardize=options["pca"]["standardize"],
    )  # fmt: skip
    name = display_name(reference)
    figures = {
        "figure_4_dendrogram": dendrogram_figure(
            vectors, f"{name}: {len(vectors)} main-group elements, {options['linkage']} linkage "
            "on cosine distance", options["linkage"]
        ),
        "figure_5_pc1_pc2": pca_figure(components, "PC1", "PC2", f"{name}: PC1 and PC2"),
        "figure_6_pc3_pc4": pca_figure(components, "PC3", "PC4", f"{name}: PC3 and PC4"),
        "pc1_valence": valence_figure(
            components, valence_correlation(components.scores), f"{name}: PC1 vs valence"
        ),
        "cosine_similarity": similarity_heatmap(
            representations[reference], f"{name}: cosine similarity of all its elements"
        ),
        "dendrograms_all_representations": dendrogram_panels(
            {n: v.loc[[s for s in main_group if s in v.index]] for n, v in representations.items()},
            options["linkage"],
        ),
    }  # fmt: skip
    log_figures(figures)
    png, svg = (
        {f"{key}.{fmt}": figure for key, figure in figures.items()} for fmt in FIGURE_FORMATS
    )
    return png, svg
