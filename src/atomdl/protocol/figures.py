"""Figures of model selection: the MAE bar chart (the paper's Figure 7) and the parity plots of
the out-of-fold predictions (every model x representation, or one model for its MLflow run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from atomdl.figure_style import display_name, model_name, new_figure, series_colours

__all__ = ["mae_bar_chart", "parity_figure", "parity_grid"]


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


def mae_bar_chart(summary: pd.DataFrame, title: str, baseline: float | None = None) -> Figure:
    """Figure 7: MAE (mean +- std over outer folds) by model, one bar per representation; models
    with a table of their own (the fine-tuned encoder) side by side in a last group."""
    models, representations, own = _grid_and_own_table_models(summary)
    groups = len(models) + (1 if own else 0)
    width = 0.8 / max(len(representations), len(own), 1)
    figure = new_figure(figsize=(max(8, 0.4 * groups * max(len(representations), len(own))), 5))
    ax = figure.add_subplot()
    table = summary.set_index(["model", "representation"])

    def bars(x, rows, label, colour, hatch=None):
        ax.bar(x, [r["mae_mean"] if r is not None else np.nan for r in rows], width,
               yerr=[r["mae_std"] if r is not None else np.nan for r in rows],
               label=label, color=colour, hatch=hatch, capsize=2)  # fmt: skip

    for i, (representation, colour) in enumerate(
        zip(representations, series_colours(len(representations)), strict=True)
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
    figure = new_figure(figsize=(2.4 * columns, 2.4 * rows_of_panels))
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
    figure = new_figure(figsize=(5, 5))
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
