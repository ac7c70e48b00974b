"""How much periodic-table chemistry an element representation carries (paper section 3.2):
the measures (``embedding``) and the figures (``figures``); no Kedro."""

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
