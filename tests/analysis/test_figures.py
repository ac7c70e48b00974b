"""Element figures draw the right elements, labels and colours, and save as PNG and SVG."""

import io

import numpy as np
import pandas as pd

from atomdl.analysis import MAIN_GROUP_ELEMENTS, principal_components
from atomdl.analysis.figures import (
    dendrogram_figure,
    dendrogram_panels,
    pca_figure,
    similarity_heatmap,
    valence_figure,
)
from atomdl.figure_style import GROUP_COLOURS

VECTORS = pd.DataFrame(
    np.random.default_rng(0).standard_normal((34, 8)), index=list(MAIN_GROUP_ELEMENTS)
)


def _saves(figure) -> None:
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt)
        assert buffer.getvalue().startswith(magic)


def test_dendrogram_labels_every_element_in_its_group_colour():
    figure = dendrogram_figure(VECTORS, "test")
    labels = figure.axes[0].get_xticklabels()
    assert sorted(label.get_text() for label in labels) == sorted(MAIN_GROUP_ELEMENTS)
    colours = {label.get_text(): label.get_color() for label in labels}
    assert colours["Cl"] == GROUP_COLOURS[17] and colours["Na"] == GROUP_COLOURS[1]
    assert figure.axes[0].get_title() == "test"
    _saves(figure)


def test_pca_scatter_has_every_label_and_the_variance_on_its_axes():
    components = principal_components(VECTORS)
    figure = pca_figure(components, "PC3", "PC4", "PC3 and PC4")
    ax = figure.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == sorted(MAIN_GROUP_ELEMENTS)
    assert ax.get_xlabel().startswith("PC3 (") and "% of variance" in ax.get_ylabel()
    _saves(figure)
    figure = valence_figure(components, 0.5, "PC1 vs valence")
    assert "rho = 0.50" in figure.axes[0].get_title()


def test_heatmap_and_panels():
    figure = similarity_heatmap(VECTORS, "similarity")
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert ticks[:3] == ["H", "Li", "Be"] and len(ticks) == 34  # atomic-number order
    panels = dendrogram_panels({"a": VECTORS, "b": VECTORS.iloc[:20], "c": VECTORS})
    assert [ax.get_title() for ax in panels.axes] == ["a", "b", "c"]
