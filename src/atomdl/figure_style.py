"""What every figure of the project shares: how names are written, the colours, a figure outside
pyplot, and label placement.

Figures are built as ``matplotlib.figure.Figure`` objects, without pyplot's global state, so
that they can be saved by any writer (Kedro's MatplotlibDataset, MLflow, a notebook).
"""

from __future__ import annotations

from matplotlib.figure import Figure

from atomdl.chemistry import group_of

__all__ = [
    "DISPLAY_NAMES",
    "GROUP_COLOURS",
    "OTHER_COLOUR",
    "START_NAMES",
    "display_name",
    "group_colour",
    "model_name",
    "new_figure",
    "place_labels",
    "series_colours",
]

#: One colour per main group (1, 2, 13-17), shared by every figure.
GROUP_COLOURS = {
    1: "#1f77b4", 2: "#ff7f0e", 13: "#2ca02c", 14: "#d62728",
    15: "#9467bd", 16: "#8c564b", 17: "#e377c2",
}  # fmt: skip
#: The colour of elements outside the main groups.
OTHER_COLOUR = "#555555"
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


def series_colours(n: int) -> list:
    """tab10's ten, then their lighter tab20 partners: distinct up to 20 representations."""
    from matplotlib import colormaps

    pairs = colormaps["tab20"].colors
    return [pairs[2 * (i % 10) + (i // 10) % 2] for i in range(n)]


def group_colour(symbol: str) -> str:
    """The colour of an element's main group (grey outside them)."""
    return GROUP_COLOURS.get(group_of(symbol), OTHER_COLOUR)


def new_figure(**kwargs) -> Figure:
    """A figure with an Agg canvas of its own (label placement needs a renderer), outside
    pyplot so that nothing global is touched."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = Figure(layout="constrained", **kwargs)
    FigureCanvasAgg(figure)
    return figure


def place_labels(ax, texts) -> None:
    """Move text labels apart so that none overlaps, each tied to its point by a thin line."""
    from adjustText import adjust_text

    adjust_text(texts, ax=ax, arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.5})
