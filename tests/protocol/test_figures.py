"""Model-selection figures draw every point, bar and panel, and save as PNG and SVG."""

import io

import numpy as np
import pandas as pd

from atomdl.protocol.figures import mae_bar_chart, parity_figure, parity_grid


def _saves(figure) -> None:
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt)
        assert buffer.getvalue().startswith(magic)


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
