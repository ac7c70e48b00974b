"""Screening Janus MXY monolayers that C2DB does not have (Kedro-free).

Candidates: M over the transition metals (the d block of periods 4-6, 30 elements), X != Y over the
chalcogens and halogens (O S Se Te, F Cl Br I), both prototypes (2H, 1T), less those already in
the C2DB export. Sites follow ingestion's rule (X before Y by group, then atomic number), so a
pair is one candidate, not two. Most of C2DB's Janus rows are metallic (123 of 216), so a
candidate is first classified gapped or metallic, and only those called gapped get a gap.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from atomdl.chemistry import element_table

__all__ = [
    "CHALCOGENS",
    "HALOGENS",
    "evaluate_gap_classifier",
    "janus_candidates",
    "rank_candidates",
    "screening_heatmap",
    "transition_metals",
]

CHALCOGENS = ("O", "S", "Se", "Te")
HALOGENS = ("F", "Cl", "Br", "I")


def transition_metals() -> tuple[str, ...]:
    """The d block of periods 4-6 (Sc-Zn, Y-Cd, La and Hf-Hg), by atomic number."""
    table = element_table()
    chosen = table.loc[(table["block"] == "d") & table["period"].between(4, 6)]
    return tuple(chosen.index)


def janus_candidates(
    known: pd.DataFrame,
    metals=None,
    outer=CHALCOGENS + HALOGENS,
    prototypes=("2H", "1T"),
) -> pd.DataFrame:
    """Every (M, X, Y, prototype) not in ``known`` (ingestion's Janus table). Columns
    ``m, x, y, prototype, formula, pair, m_in_training`` (M is among ``known``'s centres)."""
    from atomdl.materials.janus import assign_sites
    from atomdl.prediction.janus import janus_keys

    metals = transition_metals() if metals is None else metals
    taken = set(janus_keys(known))  # by canonical sites, as predictions find known materials
    centres = set(known["m"])
    rows = []
    for m in metals:
        for a, b in combinations(outer, 2):
            _, x, y = assign_sites(f"{m}{a}{b}")
            for prototype in prototypes:
                if f"{m}{x}{y} {prototype}" not in taken:
                    rows.append((m, x, y, prototype, f"{m}{x}{y}", f"{x}/{y}", m in centres))
    return pd.DataFrame(
        rows, columns=["m", "x", "y", "prototype", "formula", "pair", "m_in_training"]
    )


def evaluate_gap_classifier(
    features: pd.DataFrame,
    gapped: np.ndarray,
    ids: np.ndarray,
    *,
    n_splits: int = 5,
    n_repeats: int = 5,
    seed: int = 0,
    grid=None,
    make_classifier=None,
) -> pd.DataFrame:
    """Nested CV of the gapped-or-metallic classifier on the protocol's outer folds (material
    ids, ``MaterialKFold``): the inner grid search sees the outer training part only. One row
    per outer fold: accuracy, ROC AUC, the chosen parameters."""
    from sklearn.metrics import accuracy_score, roc_auc_score

    from atomdl.prediction.janus import gap_classifier
    from atomdl.protocol.splits import MaterialKFold

    make_classifier = make_classifier or (lambda: gap_classifier(grid, seed))
    x, y = np.asarray(features, dtype=float), np.asarray(gapped, dtype=int)
    rows = []
    splitter = MaterialKFold(n_splits, n_repeats, seed)
    for split, (train, test) in enumerate(splitter.split(x, y, groups=ids)):
        classifier = make_classifier().fit(x[train], y[train])
        probability = classifier.predict_proba(x[test])[:, 1]
        rows.append(
            {
                "repeat": split // n_splits,
                "fold": split % n_splits,
                "n_train": len(train),
                "n_test": len(test),
                "accuracy": accuracy_score(y[test], probability >= 0.5),
                "roc_auc": roc_auc_score(y[test], probability),
                "best_params": str(getattr(classifier, "best_params_", "")),
            }
        )
    return pd.DataFrame(rows)


def rank_candidates(screened: pd.DataFrame) -> pd.DataFrame:
    """Called gapped and in the training domain first, then by predicted gap (largest first);
    the gap, its spread and its interval are withheld (NaN) where the classifier says
    metallic."""
    table = screened.copy()
    table["predicted_band_gap"] = table["predicted_band_gap"].where(table["called_gapped"])
    for column in ("uncertainty", "interval_low", "interval_high"):
        table[column] = table[column].where(table["called_gapped"])
    trusted = table["called_gapped"] & table["in_domain"] & table["m_in_training"]
    table = table.assign(_trusted=trusted).sort_values(
        ["_trusted", "called_gapped", "predicted_band_gap", "gap_probability"],
        ascending=[False, False, False, False],
        kind="stable",
        na_position="last",
    )
    table = table.drop(columns="_trusted").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def screening_heatmap(ranked: pd.DataFrame, known: pd.DataFrame | None = None):
    """M (rows) against the X/Y pair (columns), one panel per prototype; colour: predicted gap
    of candidates called gapped; grey 'm': called metallic; a dot: outside the training domain
    (an element or a feature no training material has); 'C2DB': already computed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metals = list(dict.fromkeys(ranked.sort_values("m", key=_atomic_number)["m"]))
    pairs = sorted(set(ranked["pair"]), key=lambda p: tuple(map(_z, p.split("/"))))
    prototypes = sorted(set(ranked["prototype"]), reverse=True)
    gaps = ranked["predicted_band_gap"]
    top = float(np.nanmax(gaps)) if gaps.notna().any() else 1.0
    figure, axes = plt.subplots(
        1,
        len(prototypes),
        figsize=(7.5 * len(prototypes), 9),
        squeeze=False,
        constrained_layout=True,
    )
    for axis, prototype in zip(axes[0], prototypes, strict=True):
        part = ranked.loc[ranked["prototype"] == prototype].set_index(["m", "pair"])
        grid = np.full((len(metals), len(pairs)), np.nan)
        for i, m in enumerate(metals):
            for j, pair in enumerate(pairs):
                if (m, pair) in part.index:
                    grid[i, j] = part.loc[(m, pair), "predicted_band_gap"]
        image = axis.imshow(grid, cmap="viridis", vmin=0, vmax=top, aspect="auto")
        for i, m in enumerate(metals):
            for j, pair in enumerate(pairs):
                if (m, pair) not in part.index:
                    axis.text(j, i, "C2DB", ha="center", va="center", fontsize=4.5, color="0.3")
                    continue
                row = part.loc[(m, pair)]
                if not row["called_gapped"]:
                    axis.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, color="0.85"))
                    axis.text(j, i, "m", ha="center", va="center", fontsize=6, color="0.45")
                if not (row["in_domain"] and row["m_in_training"]):
                    axis.plot(j + 0.3, i - 0.3, marker="o", markersize=2.2, color="crimson")
        axis.set_xticks(range(len(pairs)), pairs, rotation=90, fontsize=7)
        axis.set_yticks(range(len(metals)), metals, fontsize=7)
        axis.set_title(f"{prototype}: predicted band gap (eV) of candidates called gapped")
        axis.set_xlabel("X / Y")
        axis.set_ylabel("M")
    figure.colorbar(image, ax=axes[0].tolist(), shrink=0.6, label="predicted band gap (eV)")
    figure.suptitle(
        "Janus MXY candidates: grey 'm' called metallic, red dot outside the "
        "training domain, 'C2DB' already computed",
        fontsize=10,
    )
    return figure


def _z(symbol: str) -> int:
    return int(element_table().at[symbol, "atomic_number"])


def _atomic_number(column: pd.Series) -> pd.Series:
    return column.map(_z)
