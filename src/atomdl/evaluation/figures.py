"""Figures of element representations: the paper's Figures 4-6 and comparisons.

Figures are built as ``matplotlib.figure.Figure`` objects, without pyplot's global state, so
that they can be saved by any writer (Kedro's MatplotlibDataset, MLflow, a notebook).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from atomdl.chemistry import element_table, group_of, valence_electrons
from atomdl.evaluation.embedding import Components, cosine_distances

__all__ = [
    "GROUP_COLOURS",
    "dendrogram_figure",
    "dendrogram_panels",
    "display_name",
    "mae_bar_chart",
    "model_name",
    "parity_figure",
    "parity_grid",
    "pca_figure",
    "similarity_heatmap",
    "valence_figure",
]

#: One colour per main group (1, 2, 13-17), shared by every figure.
GROUP_COLOURS = {
    1: "#1f77b4", 2: "#ff7f0e", 13: "#2ca02c", 14: "#d62728",
    15: "#9467bd", 16: "#8c564b", 17: "#e377c2",
}  # fmt: skip
_OTHER = "#555555"
#: How representations are written in titles (the paper's spelling).
DISPLAY_NAMES = {"atom_dl": "Atom_DL", "atom2vec": "Atom2Vec (OQMD)", "magpie": "Magpie",
                 "atom2vec_original": "Atom2Vec (original)", "one_hot": "one-hot",
                 "atom_dl_property_aware": "Atom_DL (property-aware)"}  # fmt: skip
#: How the fine-tuned encoder's starts are written (its model names are ``finetune_<start>``).
START_NAMES = {"paper": "paper release", "property_aware": "property-aware release",
               "random": "random weights"}  # fmt: skip


def display_name(name: str) -> str:
    if name.endswith("_zscored"):
        return f"{display_name(name.removesuffix('_zscored'))} (z-scored)"
    return DISPLAY_NAMES.get(name, name)


def model_name(model: str) -> str:
    if model.startswith("finetune_"):
        start = model.removeprefix("finetune_")
        return f"fine-tuned, {START_NAMES.get(start, start)}"
    return model.upper()


def _grid_and_own_table_models(frame: pd.DataFrame) -> tuple[list, list, list]:
    """(models, representations) of the model x representation grid, and the models that read
    only tables no grid model reads (the fine-tuned encoder reads compositions): drawn apart,
    one bar or panel each, not as grid rows of empty slots."""
    pairs = frame[["model", "representation"]].drop_duplicates()
    tables = pairs.groupby("model")["representation"].nunique()
    shared = pairs.loc[pairs["model"].map(tables) > 1, "representation"]
    if shared.empty:  # one representation only: every model is a grid row
        shared = pairs["representation"]
    own = pairs.groupby("model")["representation"].agg(lambda r: not r.isin(shared).any())
    own_models = [m for m in dict.fromkeys(pairs["model"]) if own[m]]
    grid = pairs.loc[~pairs["model"].isin(own_models)]
    return (
        list(dict.fromkeys(grid["model"])),
        list(dict.fromkeys(grid["representation"])),
        own_models,
    )


def _colours(n: int) -> list:
    """tab10's ten, then their lighter tab20 partners: distinct up to 20 representations."""
    from matplotlib import colormaps

    pairs = colormaps["tab20"].colors
    return [pairs[2 * (i % 10) + (i // 10) % 2] for i in range(n)]


def _figure(**kwargs) -> Figure:
    """A figure with an Agg canvas of its own (label placement needs a renderer), outside
    pyplot so that nothing global is touched."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = Figure(layout="constrained", **kwargs)
    FigureCanvasAgg(figure)
    return figure


def _place_labels(ax, texts) -> None:
    from adjustText import adjust_text

    adjust_text(texts, ax=ax, arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.5})


def _colour(symbol: str) -> str:
    return GROUP_COLOURS.get(group_of(symbol), _OTHER)


def _group_legend(target, groups: Sequence[int], **kwargs) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="o", linestyle="", color=GROUP_COLOURS.get(g, _OTHER),
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
        label.set_color(_colour(label.get_text()))
        label.set_fontweight("bold")
    ax.set_ylabel("cosine distance")
    ax.spines[["top", "right"]].set_visible(False)


def dendrogram_figure(vectors: pd.DataFrame, title: str, method: str = "average") -> Figure:
    """Figure 4: hierarchical clustering (cosine distance), element labels coloured by group."""
    figure = _figure(figsize=(11, 5))
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
    figure = _figure(figsize=(6 * ncols, 3.2 * nrows))
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
    figure = _figure(figsize=(7, 6))
    ax = figure.add_subplot()
    colours = [_colour(s) for s in scores.index]
    ax.scatter(scores[x], scores[y], c=colours, s=36, alpha=0.8)
    texts = [
        ax.text(row[x], row[y], symbol, fontsize=10, color=_colour(symbol))
        for symbol, row in scores.iterrows()
    ]
    ax.set_xlabel(f"{x} ({ratio[x]:.1%} of variance)")
    ax.set_ylabel(f"{y} ({ratio[y]:.1%} of variance)")
    ax.axhline(0, color="#bbbbbb", lw=0.8, zorder=0)
    ax.axvline(0, color="#bbbbbb", lw=0.8, zorder=0)
    ax.set_title(title)
    _group_legend(ax, [group_of(s) for s in scores.index], loc="best")
    _place_labels(ax, texts)
    return figure


def valence_figure(components: Components, rho: float, title: str) -> Figure:
    """PC1 against the number of valence electrons, with Spearman's rho."""
    scores = components.scores
    valence = np.array([valence_electrons(s) for s in scores.index])
    jitter = np.linspace(-0.15, 0.15, len(valence))
    figure = _figure(figsize=(7, 5))
    ax = figure.add_subplot()
    ax.scatter(valence + jitter, scores["PC1"], c=[_colour(s) for s in scores.index], s=36)
    texts = [
        ax.text(v + j, pc1, symbol, fontsize=9, color=_colour(symbol))
        for symbol, v, j, pc1 in zip(scores.index, valence, jitter, scores["PC1"], strict=True)
    ]
    ax.set_xticks(sorted(set(valence)))
    ax.set_xlabel("valence electrons")
    ax.set_ylabel(f"PC1 ({components.explained_variance_ratio[0]:.1%} of variance)")
    ax.set_title(f"{title} (Spearman rho = {rho:.2f})")
    _place_labels(ax, texts)
    return figure


def similarity_heatmap(vectors: pd.DataFrame, title: str) -> Figure:
    """Cosine similarity between every pair of elements, in order of atomic number."""
    order = element_table()["atomic_number"].reindex(vectors.index).sort_values().index
    similarity = 1.0 - cosine_distances(vectors.loc[order])
    n = len(order)
    figure = _figure(figsize=(max(8, 0.17 * n + 2), max(7, 0.17 * n + 1)))
    ax = figure.add_subplot()
    image = ax.imshow(similarity.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(n), order, rotation=90, fontsize=7)
    ax.set_yticks(range(n), order, fontsize=7)
    ax.set_title(title)
    figure.colorbar(image, ax=ax, shrink=0.6, label="cosine similarity")
    return figure


def mae_bar_chart(summary: pd.DataFrame, title: str, baseline: float | None = None) -> Figure:
    """Figure 7: MAE (mean +- std over outer folds) by model, one bar per representation; models
    with a table of their own (the fine-tuned encoder) side by side in a last group."""
    models, representations, own = _grid_and_own_table_models(summary)
    groups = len(models) + (1 if own else 0)
    width = 0.8 / max(len(representations), len(own), 1)
    figure = _figure(figsize=(max(8, 0.4 * groups * max(len(representations), len(own))), 5))
    ax = figure.add_subplot()
    table = summary.set_index(["model", "representation"])

    def bars(x, rows, label, colour, hatch=None):
        ax.bar(x, [r["mae_mean"] if r is not None else np.nan for r in rows], width,
               yerr=[r["mae_std"] if r is not None else np.nan for r in rows],
               label=label, color=colour, hatch=hatch, capsize=2)  # fmt: skip

    for i, (representation, colour) in enumerate(
        zip(representations, _colours(len(representations)), strict=True)
    ):
        rows = [table.loc[(m, representation)] if (m, representation) in table.index else None
                for m in models]  # fmt: skip
        x = np.arange(len(models)) + (i - (len(representations) - 1) / 2) * width
        bars(x, rows, display_name(representation), colour)
    for i, model in enumerate(own):
        x = len(models) + (i - (len(own) - 1) / 2) * width
        grey = 0.25 + 0.5 * i / max(len(own) - 1, 1)
        bars([x], [summary.loc[summary["model"] == model].iloc[0]], model_name(model),
             (grey, grey, grey), hatch="//")  # fmt: skip
    if baseline is not None:
        ax.axhline(baseline, color="black", linestyle="--", lw=1, label="mean predictor")
    ticks = [m.upper() for m in models] + (["FINE-TUNED ENCODER"] if own else [])
    ax.set_xticks(range(groups), ticks)
    ax.set_ylabel("MAE (eV), mean +- std over outer folds")
    ax.set_title(title)
    figure.legend(fontsize=8, frameon=False, loc="outside right upper")
    return figure


def parity_grid(predictions: pd.DataFrame, title: str) -> Figure:
    """Out-of-fold prediction against the target, one panel per model x representation, and a
    last row with one panel per model that has a table of its own (the fine-tuned encoder)."""
    models, representations, own = _grid_and_own_table_models(predictions)
    columns = max(len(representations), len(own))
    rows_of_panels = len(models) + (1 if own else 0)
    figure = _figure(figsize=(2.4 * columns, 2.4 * rows_of_panels))
    limits = _parity_limits(predictions)

    def panel(row, column, selected, label):
        ax = figure.add_subplot(rows_of_panels, columns, row * columns + column + 1)
        _parity_axes(ax, predictions.loc[selected], limits, size=6, alpha=0.4)
        ax.tick_params(labelsize=6)
        if column == 0:
            ax.set_ylabel(f"{label}\npredicted (eV)", fontsize=8)
        if row == rows_of_panels - 1:
            ax.set_xlabel("target (eV)", fontsize=8)
        return ax

    for i, model in enumerate(models):
        for j, representation in enumerate(representations):
            selected = (predictions["model"] == model) & (
                predictions["representation"] == representation
            )
            ax = panel(i, j, selected, model.upper())
            if i == 0:
                ax.set_title(display_name(representation), fontsize=8)
    for j, model in enumerate(own):
        ax = panel(len(models), j, predictions["model"] == model, "FINE-TUNED")
        ax.set_title(model_name(model), fontsize=8)
    figure.suptitle(title)
    return figure


def parity_figure(predictions: pd.DataFrame, title: str) -> Figure:
    """One model's out-of-fold predictions against the target (for its MLflow run)."""
    figure = _figure(figsize=(5, 5))
    ax = figure.add_subplot()
    _parity_axes(ax, predictions, _parity_limits(predictions), size=10, alpha=0.5)
    ax.set_xlabel("target (eV)")
    ax.set_ylabel("out-of-fold prediction (eV)")
    ax.set_title(title)
    return figure


def _parity_limits(predictions: pd.DataFrame) -> tuple[float, float]:
    """One square range for target and prediction, so the diagonal is the 45-degree line."""
    columns = predictions[["target", "prediction"]]
    return float(columns.min().min()), float(columns.max().max())


def _parity_axes(ax, rows: pd.DataFrame, limits: tuple[float, float], size: float, alpha: float):
    ax.scatter(rows["target"], rows["prediction"], s=size, alpha=alpha)
    ax.plot(limits, limits, color="#999999", lw=0.8)
    ax.set_xlim(*limits)
    ax.set_ylim(*limits)
