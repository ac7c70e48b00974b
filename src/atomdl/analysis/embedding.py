"""How much periodic-table chemistry an element representation carries (paper section 3.2).

Every measure works on the 34 main-group elements the paper clusters (H; Li-Cs; Be-Ba; B-Tl;
C-Pb; N-Bi; O-Te; F-I), with cosine distances as in the paper's eq. (7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
from scipy.stats import pearsonr, spearmanr

from atomdl.chemistry import group_of, valence_electrons

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

#: The paper's 34 main-group elements, group by group (Figure 4).
MAIN_GROUP_ELEMENTS = (
    "H", "Li", "Na", "K", "Rb", "Cs",
    "Be", "Mg", "Ca", "Sr", "Ba",
    "B", "Al", "Ga", "In", "Tl",
    "C", "Si", "Ge", "Sn", "Pb",
    "N", "P", "As", "Sb", "Bi",
    "O", "S", "Se", "Te",
    "F", "Cl", "Br", "I",
)  # fmt: skip


def zscored(vectors: pd.DataFrame) -> pd.DataFrame:
    """Each dimension centred and scaled over the table's elements (constant ones only centred).

    Cosine distances of a raw property table are ruled by its largest units (atomic number,
    melting point); this is the fair view of such a table next to learned embeddings.
    """
    spread = vectors.std(axis=0, ddof=0)
    return (vectors - vectors.mean(axis=0)) / spread.where(spread > 0, 1.0)


def cosine_distances(vectors: pd.DataFrame) -> pd.DataFrame:
    """Square matrix of 1 - cosine similarity, labelled by symbol."""
    values = vectors.to_numpy(dtype=float)
    if (np.linalg.norm(values, axis=1) == 0).any():
        zero = vectors.index[np.linalg.norm(values, axis=1) == 0].tolist()
        raise ValueError(f"cosine distance is undefined for all-zero vectors: {zero}")
    square = squareform(pdist(values, metric="cosine"))
    return pd.DataFrame(square, index=vectors.index, columns=vectors.index)


def nearest_neighbour_agreement(distances: pd.DataFrame, groups: Sequence[int]) -> float:
    """Fraction of elements whose cosine nearest neighbour is in their own group.

    Ties count fractionally (the share of tied neighbours in the same group), so a representation
    in which all elements are equally far apart (one-hot) scores chance, not an artefact of order.
    """
    d = distances.to_numpy(dtype=float).copy()
    np.fill_diagonal(d, np.inf)
    groups = np.asarray(groups)
    scores = []
    for i, row in enumerate(d):
        nearest = np.flatnonzero(np.isclose(row, row.min(), rtol=0, atol=1e-12))
        scores.append(np.mean(groups[nearest] == groups[i]))
    return float(np.mean(scores))


def cluster_agreement(
    distances: pd.DataFrame, groups: Sequence[int], method: str = "average"
) -> tuple[float, np.ndarray]:
    """Adjusted Rand index between the dendrogram cut into as many clusters as there are groups
    and the true groups; also returns the cluster labels."""
    from sklearn.metrics import adjusted_rand_score

    tree = linkage(squareform(distances.to_numpy(dtype=float), checks=False), method=method)
    clusters = fcluster(tree, t=len(set(groups)), criterion="maxclust")
    return float(adjusted_rand_score(groups, clusters)), clusters


@dataclass(frozen=True)
class Components:
    scores: pd.DataFrame  # element x PC1..PCn
    explained_variance_ratio: np.ndarray


def principal_components(
    vectors: pd.DataFrame, n_components: int = 4, standardize: bool = True
) -> Components:
    """PCA of the given elements' vectors (z-scored per dimension first when ``standardize``:
    property tables such as Magpie mix units). PC1's sign is chosen so that it grows with the
    number of valence electrons, as in the paper's Figure 5."""
    from sklearn.decomposition import PCA

    values = vectors.to_numpy(dtype=float)
    if standardize:
        spread = values.std(axis=0)
        values = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    n_components = min(n_components, *values.shape)
    pca = PCA(n_components=n_components, svd_solver="full").fit(values)
    scores = pca.transform(values)
    rho = spearmanr(scores[:, 0], [valence_electrons(s) for s in vectors.index]).statistic
    if np.isfinite(rho) and rho < 0:
        scores[:, 0] *= -1
    columns = [f"PC{i + 1}" for i in range(n_components)]
    return Components(pd.DataFrame(scores, index=vectors.index, columns=columns),
                      pca.explained_variance_ratio_)  # fmt: skip


def valence_correlation(scores: pd.DataFrame, component: str = "PC1") -> float:
    """Spearman correlation between a principal component and the valence-electron count."""
    valence = [valence_electrons(s) for s in scores.index]
    return float(spearmanr(scores[component], valence).statistic)


def mantel(
    a: pd.DataFrame, b: pd.DataFrame, permutations: int = 999, seed: int = 0
) -> tuple[float, float, int]:
    """Mantel test between two distance matrices over the elements they share.

    Returns Pearson r of the off-diagonal distances, the one-sided permutation p-value
    (permuting one matrix's rows and columns together) and the number of shared elements.
    r is NaN when either matrix has all distances equal (one-hot).
    """
    shared = [s for s in a.index if s in b.index]
    x = squareform(a.loc[shared, shared].to_numpy(dtype=float), checks=False)
    y_square = b.loc[shared, shared].to_numpy(dtype=float)
    y = squareform(y_square, checks=False)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan"), len(shared)
    r = pearsonr(x, y).statistic
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(permutations):
        order = rng.permutation(len(shared))
        if pearsonr(x, squareform(y_square[np.ix_(order, order)], checks=False)).statistic >= r:
            hits += 1
    return float(r), (hits + 1) / (permutations + 1), len(shared)


def embedding_metrics(
    representations: dict[str, pd.DataFrame],
    reference: str = "atom_dl",
    elements: Sequence[str] = MAIN_GROUP_ELEMENTS,
    linkage_method: str = "average",
    standardize: bool = True,
    permutations: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per representation: coverage of ``elements``, nearest-neighbour group agreement,
    ARI of the group-count dendrogram cut, |Spearman| of PC1 (and of the best of the first
    components) with valence electrons, and the
    Mantel r (and p) of its cosine distances with the reference's over the shared elements."""
    if reference not in representations:
        raise KeyError(
            f"reference representation {reference!r} is not among {list(representations)}"
        )
    reference_distances = cosine_distances(representations[reference])
    rows = []
    for name, vectors in representations.items():
        present = [s for s in elements if s in vectors.index]
        subset = vectors.loc[present]
        groups = [group_of(s) for s in present]
        distances = cosine_distances(subset)
        ari, _ = cluster_agreement(distances, groups, linkage_method)
        components = principal_components(subset, standardize=standardize)
        by_component = {
            pc: abs(valence_correlation(components.scores, pc)) for pc in components.scores
        }
        best_pc = max(by_component, key=lambda pc: np.nan_to_num(by_component[pc]))
        r, p, shared = mantel(cosine_distances(vectors), reference_distances, permutations, seed)
        rows.append(
            {
                "representation": name,
                "dim": vectors.shape[1],
                "elements_covered": len(present),
                "nn_same_group": nearest_neighbour_agreement(distances, groups),
                "cluster_ari": ari,
                "pc1_valence_abs_spearman": abs(valence_correlation(components.scores)),
                "pc1_explained_variance": float(components.explained_variance_ratio[0]),
                "best_pc_for_valence": best_pc,
                "best_pc_valence_abs_spearman": by_component[best_pc],
                f"mantel_r_vs_{reference}": r,
                "mantel_p": p,
                "mantel_shared_elements": shared,
            }
        )
    return pd.DataFrame(rows)
