"""Embedding-analysis nodes: every representation built, measured and drawn (Figures 4-6)."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from atomdl.parameters import EmbeddingAnalysis

logger = logging.getLogger(__name__)

FIGURE_FORMATS = ("png", "svg")


def _with_zscored(representations: dict, zscored: list[str]) -> dict[str, pd.DataFrame]:
    """Each representation's vectors in the set's order, each one named in ``zscored``
    followed by its z-scored view (``<name>_zscored``)."""
    from atomdl.analysis import zscored as zscore

    unknown = sorted(set(zscored) - set(representations))
    if unknown:
        raise KeyError(f"embedding_analysis.zscored names unknown representations {unknown}")
    tables = {}
    for name, representation in representations.items():
        tables[name] = representation.vectors
        if name in zscored:
            tables[f"{name}_zscored"] = zscore(representation.vectors)
    return tables


def _main_group(vectors: pd.DataFrame, name: str) -> pd.DataFrame:
    """The reference's rows for the paper's 34 main-group elements that it has (a model trained
    on a slice of the corpus may lack some: they are named, not silently skipped)."""
    from atomdl.analysis import MAIN_GROUP_ELEMENTS

    present = [s for s in MAIN_GROUP_ELEMENTS if s in vectors.index]
    if len(present) < len(MAIN_GROUP_ELEMENTS):
        logger.warning(
            "%s lacks %d of the 34 main-group elements (%s): the analysis uses the other %d",
            name, len(MAIN_GROUP_ELEMENTS) - len(present),
            " ".join(s for s in MAIN_GROUP_ELEMENTS if s not in vectors.index), len(present),
        )  # fmt: skip
    return vectors.loc[present]


def _reference_components(vectors: pd.DataFrame, options: EmbeddingAnalysis):
    """The principal components of the reference's main-group vectors."""
    from atomdl.analysis import principal_components

    return principal_components(
        vectors, n_components=options.pca.components, standardize=options.pca.standardize
    )


def _with_variance(components) -> pd.DataFrame:
    """The components' scores, and a last row of each one's share of the variance."""
    variance = pd.DataFrame(
        [components.explained_variance_ratio],
        index=pd.Index(["explained_variance_ratio"], name="symbol"),
        columns=components.scores.columns,
    )
    return pd.concat([components.scores, variance])


def measure_embeddings(
    element_representations: dict, options: dict[str, Any]
) -> tuple[pd.DataFrame, str, pd.DataFrame, dict]:
    """The metrics table (CSV and Markdown), the reference's principal components, and the
    scores as MLflow metrics (``<metric>.<representation>``)."""
    from atomdl.analysis import embedding_metrics
    from atomdl.tracking.embedding import embedding_scores

    options = EmbeddingAnalysis.model_validate(options)
    representations = _with_zscored(element_representations, options.zscored)
    reference = options.reference
    metrics = embedding_metrics(
        representations, reference=reference, linkage_method=options.linkage,
        standardize=options.pca.standardize, permutations=options.mantel_permutations,
        seed=options.seed,
    )  # fmt: skip
    components = _reference_components(_main_group(representations[reference], reference), options)
    markdown = metrics.to_markdown(index=False, floatfmt=".3f")
    for row in metrics.itertuples():
        logger.info(
            "%-18s NN same group %.2f  ARI %.2f  |rho(PC1, valence)| %.2f",
            row.representation, row.nn_same_group, row.cluster_ari,
            row.pc1_valence_abs_spearman,
        )  # fmt: skip
    return metrics, markdown, _with_variance(components), embedding_scores(metrics)


def _reference_figures(representations: dict, options: EmbeddingAnalysis) -> dict:
    """Figures 4-6 for the reference, its PC1-valence plot and its similarity heat map."""
    from atomdl.analysis import valence_correlation
    from atomdl.analysis.figures import (
        dendrogram_figure,
        pca_figure,
        similarity_heatmap,
        valence_figure,
    )
    from atomdl.figure_style import display_name

    reference = options.reference
    vectors = _main_group(representations[reference], reference)
    components = _reference_components(vectors, options)
    name = display_name(reference)
    return {
        "figure_4_dendrogram": dendrogram_figure(
            vectors, f"{name}: {len(vectors)} main-group elements, {options.linkage} linkage "
            "on cosine distance", options.linkage
        ),
        "figure_5_pc1_pc2": pca_figure(components, "PC1", "PC2", f"{name}: PC1 and PC2"),
        "figure_6_pc3_pc4": pca_figure(components, "PC3", "PC4", f"{name}: PC3 and PC4"),
        "pc1_valence": valence_figure(
            components, valence_correlation(components.scores), f"{name}: PC1 vs valence"
        ),
        "cosine_similarity": similarity_heatmap(
            representations[reference], f"{name}: cosine similarity of all its elements"
        ),
    }  # fmt: skip


def draw_embedding_figures(
    element_representations: dict, options: dict[str, Any]
) -> tuple[dict, dict]:
    """Figures 4-6 for the reference, its PC1-valence plot and similarity heat map, and the
    dendrograms of every representation; the same figures for the PNG and the SVG writer."""
    from atomdl.analysis import MAIN_GROUP_ELEMENTS
    from atomdl.analysis.figures import dendrogram_panels

    options = EmbeddingAnalysis.model_validate(options)
    representations = _with_zscored(element_representations, options.zscored)
    main_group = list(MAIN_GROUP_ELEMENTS)
    figures = {
        **_reference_figures(representations, options),
        "dendrograms_all_representations": dendrogram_panels(
            {n: v.loc[[s for s in main_group if s in v.index]] for n, v in representations.items()},
            options.linkage,
        ),
    }
    png, svg = (
        {f"{key}.{fmt}": figure for key, figure in figures.items()} for fmt in FIGURE_FORMATS
    )
    return png, svg
