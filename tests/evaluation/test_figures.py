"""Figures draw the right elements, labels and colours, and save as PNG and SVG."""

import io

import numpy as np
import pandas as pd

from atomdl.evaluation import MAIN_GROUP_ELEMENTS, principal_components
from atomdl.evaluation.figures import (
    GROUP_COLOURS,
    dendrogram_figure,
    dendrogram_panels,
    mae_bar_chart,
    parity_figure,
    parity_grid,
    pca_figure,
    similarity_heatmap,
    valence_figure,
)

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


def test_parity_plots_are_square_with_every_point_and_the_diagonal():
    predictions = pd.DataFrame(
        {
            "model": ["rf"] * 3 + ["krr"] * 3,
            "representation": ["atom_dl", "magpie", "atom_dl", "magpie", "atom_dl", "magpie"],
            "target": [0.5, 1.0, 2.0, 0.5, 1.0, 2.0],
            "prediction": [0.2, 1.1, 2.6, 0.7, 0.9, 1.8],
        }
    )
    grid = parity_grid(predictions, "parity")
    assert len(grid.axes) == 4  # 2 models x 2 representations
    assert [ax.get_title() for ax in grid.axes[:2]] == ["Atom_DL", "Magpie"]
    for ax in grid.axes:
        assert ax.get_xlim() == ax.get_ylim() == (0.2, 2.6)  # every panel on one square range
        assert list(ax.lines[0].get_xdata()) == [0.2, 2.6]  # the diagonal
    rf_atom_dl = grid.axes[0].collections[0].get_offsets()
    assert np.allclose(rf_atom_dl, [[0.5, 0.2], [2.0, 2.6]])
    single = parity_figure(predictions.iloc[:2], "one model")
    ax = single.axes[0]
    assert ax.get_xlim() == ax.get_ylim() == (0.2, 1.1)
    assert len(ax.collections[0].get_offsets()) == 2
    _saves(single)


FINE_TUNED = pd.DataFrame(
    {
        "model": ["rf", "rf", "krr", "krr", "finetune_paper", "finetune_random"],
        "representation": ["atom_dl", "magpie", "atom_dl", "magpie", "composition", "composition"],
        "target": [0.5, 1.0, 2.0, 0.5, 1.0, 2.0],
        "prediction": [0.2, 1.1, 2.6, 0.7, 0.9, 1.8],
        "mae_mean": [0.24, 0.25, 0.16, 0.19, 0.31, 0.29],
        "mae_std": [0.04] * 6,
    }
)


def test_the_fine_tuned_encoder_is_drawn_apart_not_as_grid_rows_of_empty_slots():
    chart = mae_bar_chart(FINE_TUNED, "mae", baseline=0.39)
    ax = chart.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["RF", "KRR", "FINE-TUNED ENCODER"]
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert heights == [0.16, 0.19, 0.24, 0.25, 0.29, 0.31]  # one bar per row, none empty
    labels = [t.get_text() for t in chart.legends[0].get_texts()]
    assert "fine-tuned, paper release" in labels and "fine-tuned, random weights" in labels
    assert "composition" not in labels
    grid = parity_grid(FINE_TUNED, "parity")
    assert len(grid.axes) == 2 * 2 + 2  # the grid, then one panel per fine-tuned start
    assert [ax.get_title() for ax in grid.axes[-2:]] == [
        "fine-tuned, paper release", "fine-tuned, random weights"
    ]  # fmt: skip
    assert np.allclose(grid.axes[-1].collections[0].get_offsets(), [[2.0, 1.8]])
    _saves(chart)
