"""The fine-tuned encoder inside the model-selection protocol: same folds, its own table,
early stopping on the outer training part only, paired tests against the reference."""

import json

import numpy as np
import pandas as pd
import pytest

from atomdl.features import AMOUNT_PREFIX, encoder_elements
from atomdl.protocol.compare import compare_representations, nested_cv
from atomdl.protocol.plan import Protocol
from atomdl.protocol.splits import outer_folds

ELEMENTS = encoder_elements()
N = 40
QUICK = {"epochs": [3], "patience": [2], "batch_size": [16]}


def _composition_table(rng) -> pd.DataFrame:
    """Binary oxides and halides; the last column (an extra feature) is the row number."""
    pool = ["Li", "Na", "K", "Mg", "Ca", "Al", "Ga", "Zn"]
    amounts = np.zeros((N, len(ELEMENTS)))
    for i in range(N):
        amounts[i, ELEMENTS.index(pool[i % len(pool)])] = 1 + i % 3
        amounts[i, ELEMENTS.index("O" if i % 2 else "Cl")] = 1 + i % 2
    table = pd.DataFrame(amounts, columns=[f"{AMOUNT_PREFIX}{e}" for e in ELEMENTS])
    table["structure__row"] = np.arange(N, dtype=float)
    table.insert(0, "material_id", [f"m{i:03d}" for i in range(N)])
    table.insert(1, "formula", "X")
    table.insert(2, "target", rng.normal(2, 1, N))
    return table


def _vector_table(composition: pd.DataFrame, rng) -> pd.DataFrame:
    table = composition[["material_id", "formula", "target"]].copy()
    for i in range(3):
        table[f"f{i}"] = composition["target"] + rng.normal(0, 0.5, N)
    return table


def test_early_stopping_never_sees_a_row_of_the_outer_test_fold(monkeypatch):
    from atomdl.models.finetuned import EncoderRegressor

    table = _composition_table(np.random.default_rng(0))
    seen = []
    original = EncoderRegressor.fit

    def recording_fit(self, X, y):
        fitted = original(self, X, y)
        rows = np.asarray(X)[:, -1].astype(int)  # the row-number column
        seen.append((set(rows), set(rows[fitted.validation_rows_])))
        return fitted

    monkeypatch.setattr(EncoderRegressor, "fit", recording_fit)
    folds = outer_folds(table["material_id"], n_splits=4, n_repeats=1)
    result = nested_cv(table, "finetune_random", QUICK, folds)
    assert len(seen) == 4 and len(result.folds) == 4
    for (fit_rows, validation_rows), (_, members) in zip(
        seen, folds.groupby(["repeat", "fold"]), strict=True
    ):
        test_rows = {int(m[1:]) for m in members["material_id"]}
        assert not fit_rows & test_rows and not validation_rows & test_rows
        assert validation_rows and validation_rows < fit_rows
        assert len(fit_rows) == N - len(test_rows)
    assert json.loads(result.folds["best_params"].iloc[0])["epochs"] == 3


def test_fine_tuned_rows_join_the_results_on_the_same_folds_and_are_tested_against_the_best():
    rng = np.random.default_rng(1)
    composition = _composition_table(rng)
    tables = {"composition": composition, "atom_dl": _vector_table(composition, rng),
              "magpie": _vector_table(composition, rng)}  # fmt: skip
    comparison = compare_representations(
        tables, ["mean", "krr", "finetune_random"],
        {"krr": {"alpha": [0.1, 1.0]}, "finetune_random": QUICK},
        Protocol(reference="atom_dl", n_splits=4, n_repeats=1, paper=False),
    )  # fmt: skip
    results = comparison.results.set_index(["representation", "model"])
    expected = {(r, m) for r in ("atom_dl", "magpie") for m in ("mean", "krr")}
    assert set(results.index) == expected | {("composition", "finetune_random")}
    folds = comparison.folds
    for name in ("atom_dl", "composition"):
        ids = comparison.predictions.loc[comparison.predictions["representation"] == name]
        assert (
            ids.groupby("fold")["material_id"]
            .apply(frozenset)
            .equals(
                comparison.predictions.loc[comparison.predictions["representation"] == "magpie"]
                .groupby("fold")["material_id"]
                .apply(frozenset)
            )
        )
    fine_tuned = results.loc[("composition", "finetune_random")]
    assert fine_tuned["reference_model"] == "krr"  # atom_dl's best (the mean left out)
    assert np.isfinite(fine_tuned["p_vs_reference"])
    assert results.loc[("magpie", "krr"), "reference_model"] == "krr"
    assert len(folds.loc[folds["model"] == "finetune_random"]) == 4


def test_a_fine_tuned_model_is_not_grid_searched():
    table = _composition_table(np.random.default_rng(2))
    folds = outer_folds(table["material_id"], n_splits=4, n_repeats=1)
    with pytest.raises(ValueError, match="is not grid-searched"):
        nested_cv(table, "finetune_random", {"epochs": [3, 5]}, folds)
