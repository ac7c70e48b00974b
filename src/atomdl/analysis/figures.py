"""Figures of element representations: the paper's Figures 4-6, the PC1-valence plot, the
similarity heat map and every representation's dendrogram (paper section 3.2)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from atomdl.analysis.embedding import Components, cosine_distances
from atomdl.chemistry import element_table, group_of, valence_electrons
from atomdl.figure_style import (
    GROUP_COLOURS,
    OTHER_COLOUR,
    display_name,
    group_colour,
    new_figure,
    place_labels,
)

__all__ = [
    "dendrogram_figure",
    "dendrogram_panels",
    "pca_figure",
    "similarity_heatmap",
    "valence_figure",
]


def _group_legend(target, groups: Sequence[int], **kwargs) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", linestyle="", color=GROUP_COLOURS.get(g, OTHER_COLOUR),
               label=f"group {g}")
        for g in sorted(set(groups))
    ]  # fmt: skip
    target.legend(handles=handles, fontsize=8, frameon=False, **kwargs)


def _draw_dendrogram(ax, vectors: pd.DataFrame, method: str, label_size: float) -> None:
    distances = cosine_distances(vectors)
    tree = linkage(squareform(distances.to_numpy(), checks=False), method=method)
    dendrogram(
        tree,
        labels=list(vectors.index),
        ax=ax,
        color_threshold=0,
        above_threshold_color="#444444",
        leaf_font_size=label_size,
    )
    for label in ax.get_xticklabels():
        label.set_color(group_colour(label.get_text()))
        label.set_fontweight("bold")
    ax.set_ylabel("cosine distance")
    ax.spines[["top", "right"]].set_visible(False)


def dendrogram_figure(vectors: pd.DataFrame, title: str, method: str = "average") -> Figure:
    """Figure 4: hierarchical clustering (cosine distance), element labels coloured by group."""
    figure = new_figure(figsize=(11, 5))
    ax = figure.add_subplot()
    _draw_dendrogram(ax, vectors, method, label_size=11)
    ax.set_title(title)
    _group_legend(figure, [group_of(s) for s in vectors.index], loc="outside lower center", ncols=7)
    return figure


def dendrogram_panels(
    representations: dict[str, pd.DataFrame], method: str = "average", ncols: int = 3
) -> Figure:
    """The Figure-4 dendrogram for every representation, side by side."""
    nrows = -(-len(representations) // ncols)
    figure = new_figure(figsize=(6 * ncols, 3.2 * nrows))
    for i, (name, vectors) in enumerate(representations.items()):
        ax = figure.add_subplot(nrows, ncols, i + 1)
        _draw_dendrogram(ax, vectors, method, label_size=7)
        ax.set_title(display_name(name))
    figure.suptitle("Main-group elements clustered by cosine distance, per representation")
    return figure


def pca_figure(components: Components, x: str, y: str, title: str) -> Figure:
    """Figures 5-6: two principal components with element labels, coloured by group."""
    scores = components.scores
    ratio = dict(zip(scores.columns, components.explained_variance_ratio, strict=True))
    figure = new_figure(figsize=(7, 6))
    ax = figure.add_subplot()
    colours = [group_colour(s) for s in scores.index]
    ax.scatter(scores[x], scores[y], c=colours, s=36, alpha=0.8)
    texts = [
        ax.text(row[x], row[y], symbol, fontsize=10, color=group_colour(symbol))
        for symbol, row in scores.iterrows()
    ]
    ax.set_xlabel(f"{x} ({ratio[x]:.1%} of variance)")
    ax.set_ylabel(f"{y} ({ratio[y]:.1%} of variance)")
    ax.axhline(0, color="#bbbbbb", lw=0.8, zorder=0)
    ax.axvline(0, color="#bbbbbb", lw=0.8, zorder=0)
    ax.set_title(title)
    _group_legend(ax, [group_of(s) for s in scores.index], loc="best")
    place_labels(ax, texts)
    return figure


def valence_figure(components: Components, rho: float, title: str) -> Figure:
    """PC1 against the number of valence electrons, with Spearman's rho."""
    scores = components.scores
    valence = np.array([valence_electrons(s) for s in scores.index])
    jitter = np.linspace(-0.15, 0.15, len(valence))
    figure = new_figure(figsize=(7, 5))
    ax = figure.add_subplot()
    ax.scatter(valence + jitter, scores["PC1"], c=[group_colour(s) for s in scores.index], s=36)
    texts = [
        ax.text(v + j, pc1, symbol, fontsize=9, color=group_colour(symbol))
        for symbol, v, j, pc1 in zip(scores.index, valence, jitter, scores["PC1"], strict=True)
    ]
    ax.set_xticks(sorted(set(valence)))
    ax.set_xlabel("valence electrons")
    ax.set_ylabel(f"PC1 ({components.explained_variance_ratio[0]:.1%} of variance)")
    ax.set_title(f"{title} (Spearman rho = {rho:.2f})")
    place_labels(ax, texts)
    return figure


def similarity_heatmap(vectors: pd.DataFrame, title: str) -> Figure:
    """Cosine similarity between every pair of elements, in order of atomic number."""
    order = element_table()["atomic_number"].reindex(vectors.index).sort_values().index
    similarity = 1.0 - cosine_distances(vectors.loc[order])
    n = len(order)
    figure = new_figure(figsize=(max(8, 0.17 * n + 2), max(7, 0.17 * n + 1)))
    ax = figure.add_subplot()
    image = ax.imshow(similarity.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(n), order, rotation=90, fontsize=7)
    ax.set_yticks(range(n), order, fontsize=7)
    ax.set_title(title)
    figure.colorbar(image, ax=ax, shrink=0.6, label="cosine similarity")
    return figure
