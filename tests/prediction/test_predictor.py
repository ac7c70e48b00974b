"""Predicting new materials: out-of-fold values for known ones, flags, rejects, uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from atomdl.prediction import best_row, fit_composition_predictor, predict_band_gaps
from atomdl.representations import Representation

KRR = {"kernel": "rbf", "alpha": 0.1, "gamma": 0.01}


def _toy_representation() -> Representation:
    symbols = ["Li", "Na", "K", "Cs", "F", "Cl", "Br", "O", "S"]
    vectors = pd.DataFrame(np.random.default_rng(0).normal(size=(len(symbols), 4)), index=symbols)
    return Representation("toy", vectors, "tests")


def _toy_compositions(n: int = 60) -> pd.DataFrame:
    """Binary salts of Li/Na/K with F/Cl/Br/O/S at varied amounts (no Cs anywhere)."""
    rng = np.random.default_rng(1)
    rows = []
    for i in range(n):
        metal = ["Li", "Na", "K"][i % 3]
        anion = ["F", "Cl", "Br", "O", "S"][(i // 3) % 5]
        amounts = [1.0 + (i % 4), 1.0 + (i // 15)]
        rows.append(
            (
                i,
                f"{metal}{amounts[0]:g}{anion}{amounts[1]:g}",
                [metal, anion],
                amounts,
                rng.uniform(0, 5),
            )
        )
    return pd.DataFrame(rows, columns=["row", "formula", "elements", "amounts", "target"])


def test_a_known_material_gets_back_its_target_and_out_of_fold_prediction(expt_gap_compositions):
    from sklearn.model_selection import cross_val_predict

    from atomdl.features import pooled_features
    from atomdl.models.registry import make_estimator
    from atomdl.protocol.splits import MaterialKFold
    from atomdl.representations import magpie

    compositions = expt_gap_compositions.iloc[:400]
    predictor = fit_composition_predictor(compositions, magpie(), "krr", KRR)
    table = pooled_features(compositions, magpie()).table
    estimator = make_estimator("krr").set_params(**{f"model__{k}": v for k, v in KRR.items()})
    expected = cross_val_predict(
        estimator,
        table.iloc[:, 3:].to_numpy(),
        table["target"].to_numpy(),
        groups=table["material_id"],
        cv=MaterialKFold(5, 1, 0),
    )

    got = predict_band_gaps(compositions["formula"].iloc[:50], predictor)
    assert len(got) == 50 and got["rejected_reason"].isna().all()
    assert_allclose(got["known_target"], compositions["target"].iloc[:50])
    assert_allclose(got["out_of_fold_prediction"], expected[:50], atol=1e-10)
    # the refit on all materials has seen them: closer to the targets than out of fold
    seen = np.abs(got["predicted_band_gap"] - got["known_target"]).mean()
    unseen = np.abs(got["out_of_fold_prediction"] - got["known_target"]).mean()
    assert seen < unseen
    assert got["in_domain"].all() and got["features_outside"].eq(0).all()


def test_uncertainty_is_the_spread_of_the_outer_fold_refits():
    predictor = fit_composition_predictor(_toy_compositions(), _toy_representation(), "krr", KRR)
    got = predictor.predict(["KBr", "Li2S", "NaF"]).table
    from atomdl.features import pooled_features

    assert len(predictor.members) == 5
    features = pooled_features(
        pd.DataFrame(
            {
                "row": [0, 1, 2],
                "formula": ["KBr", "Li2S", "NaF"],
                "elements": [["K", "Br"], ["Li", "S"], ["Na", "F"]],
                "amounts": [[1.0, 1.0], [2.0, 1.0], [1.0, 1.0]],
                "target": np.nan,
            }
        ),
        _toy_representation(),
    ).features.to_numpy()
    spread = np.std([m.predict(features) for m in predictor.members], axis=0, ddof=1)
    assert_allclose(got["uncertainty"], spread)
    assert (got["uncertainty"] > 0).all()
    assert_allclose(
        got["predicted_band_gap"], np.clip(predictor.estimator.predict(features), 0, None)
    )


def test_unseen_elements_are_flagged_and_bad_rows_rejected_with_reasons():
    predictor = fit_composition_predictor(_toy_compositions(), _toy_representation(), "krr", KRR)
    inputs = pd.DataFrame(
        {"formula": ["KBr", "CsF", "Xx2O", "RbCl", "", "NaCl"], "note": list("abcdef")}
    )
    prediction = predictor.predict(inputs)
    rejected = prediction.rejected.set_index("row")["reason"]
    assert list(rejected.index) == [2, 3, 4]
    assert "Xx" in rejected[2]
    assert rejected[3] == "toy has no vector for Rb"
    assert list(prediction.table["row"]) == [0, 1, 5]
    flagged = prediction.table.set_index("formula")
    assert flagged.loc["CsF", "unseen_elements"] == "Cs"
    assert not flagged.loc["CsF", "in_domain"]
    assert flagged.loc["KBr", "in_domain"] and flagged.loc["KBr", "unseen_elements"] == ""
    assert flagged.loc["KBr", "note"] == "a"  # the user's columns come along
    combined = prediction.combined()
    assert list(combined["row"]) == list(range(6))
    assert combined.loc[3, "formula"] == "RbCl" and np.isnan(combined.loc[3, "predicted_band_gap"])


def test_composition_input_without_a_formula_column_is_refused():
    predictor = fit_composition_predictor(_toy_compositions(), _toy_representation(), "krr", KRR)
    with pytest.raises(ValueError, match="'formula' column"):
        predictor.predict(pd.DataFrame({"composition": ["KBr"]}))


def test_best_row_is_the_lowest_nested_mae_and_names_are_checked():
    results = pd.DataFrame(
        {
            "representation": ["a", "a", "b", "b", "b"],
            "model": ["mean", "rf", "rf", "krr", "krr"],
            "protocol": ["nested", "nested", "nested", "nested", "paper (optimistic)"],
            "mae_mean": [0.1, 0.5, 0.4, 0.45, 0.2],
            "best_params_most_chosen": ["{}", '{"n": 1}', '{"n": 2}', '{"alpha": 1}', "{}"],
        }
    )
    assert (best_row(results)["representation"], best_row(results)["model"]) == ("b", "rf")
    assert best_row(results, model="krr")["params"] == {"alpha": 1}
    assert best_row(results, representation="a")["params"] == {"n": 1}
    with pytest.raises(ValueError, match="'c' is not in the results table"):
        best_row(results, representation="c")


def test_a_fine_tuned_row_predicts_new_formulas(expt_gap_compositions):
    from atomdl.prediction import fit_composition_predictor, predict_band_gaps

    compositions = expt_gap_compositions.iloc[:80]
    predictor = fit_composition_predictor(
        compositions, None, "finetune_random",
        {"epochs": 2, "patience": 1}, n_splits=2,
    )  # fmt: skip
    assert predictor.inputs.name == "composition" and len(predictor.members) == 2
    out = predict_band_gaps(["GaN", "Al0.5Ga0.5As", "Og2O", compositions["formula"].iloc[0]],
                            predictor)  # fmt: skip
    assert out["predicted_band_gap"].iloc[:2].notna().all()
    assert (out["predicted_band_gap"].dropna() >= 0).all()
    assert "composition has no vector for Og" in out["rejected_reason"].iloc[2]
    assert out["known_target"].iloc[3] == pytest.approx(compositions["target"].iloc[0])
