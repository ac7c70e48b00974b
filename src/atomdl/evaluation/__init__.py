"""Evaluation of element representations: embedding-quality measures and figures; no Kedro."""

from atomdl.analysis.embedding import (
    MAIN_GROUP_ELEMENTS,
    Components,
    cluster_agreement,
    cosine_distances,
    embedding_metrics,
    mantel,
    nearest_neighbour_agreement,
    principal_components,
    valence_correlation,
    zscored,
)

__all__ = [
    "MAIN_GROUP_ELEMENTS",
    "Components",
    "cluster_agreement",
    "cosine_distances",
    "embedding_metrics",
    "mantel",
    "nearest_neighbour_agreement",
    "principal_components",
    "valence_correlation",
    "zscored",
]
