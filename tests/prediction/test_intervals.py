"""Prediction intervals (CV+ over the outer-fold refits) and the probability of a gap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from atomdl.prediction import fit_composition_predictor, predict_band_gaps
from atomdl.prediction.fitting import FitSpec, fit_models
from atomdl.prediction.intervals import cv_plus_interval, interval_ranks


def _by_definition(predictions, residuals, folds, coverage):
    """CV+ written as in Barber et al. 2021 (eq. 8), one new row at a time."""
    n, alpha = len(residuals), 1 - coverage
    lows, highs = [], []
    for column in predictions.T:
        below = np.sort([column[folds[i]] - residuals[i] for i in range(n)])
        above = np.sort([column[folds[i]] + residuals[i] for i in range(n)])
        lows.append(below[int(np.floor(alpha * (n + 1))) - 1])
        highs.append(above[int(np.ceil((1 - alpha) * (n + 1))) - 1])
    return np.array(lows), np.array(highs)


@pytest.mark.parametrize("coverage", [0.5, 0.8, 0.9])
@pytest.mark.parametrize("members", [5, 61])  # five folds; one per material (jackknife+)
def test_the_interval_is_cv_plus_by_its_definition(coverage, members):
    rng = np.random.default_rng(members)
    predictions = rng.normal(scale=3.0, size=(members, 23))
    residuals = rng.exponential(size=61)
    residuals[:20] = np.round(residuals[:20], 1)  # ties among the residuals
    folds = np.arange(61) % members
    low, high = cv_plus_interval(predictions, residuals, folds, coverage)
    expected_low, expected_high = _by_definition(predictions, residuals, folds, coverage)
    assert_allclose(low, expected_low, rtol=0, atol=1e-12)
    assert_allclose(high, expected_high, rtol=0, atol=1e-12)
    assert (low <= high).all()


def test_the_interval_of_values_far_apart_and_all_equal():
    predictions = np.array([[1e6, 0.0, -3.0], [1e6, 0.0, 5.0]])
    residuals, folds = np.array([0.0, 0.0, 2.0, 2.0] * 5), np.array([0, 1] * 10)
    low, high = cv_plus_interval(predictions, residuals, folds, 0.8)
    expected = _by_definition(predictions, residuals, folds, 0.8)
    assert_allclose(low, expected[0], rtol=0, atol=1e-9)
    assert_allclose(high, expected[1], rtol=0, atol=1e-9)


def test_too_few_training_materials_leave_an_end_open_and_bad_coverage_is_refused():
    assert interval_ranks(5, 0.9) == (None, None)  # floor(0.1 x 6) = 0: no finite end
    assert interval_ranks(99, 0.9) == (10, 90)
    low, high = cv_plus_interval(np.zeros((2, 3)), np.ones(5), np.array([0, 1, 0, 1, 0]))
    assert np.isneginf(low).all() and np.isposinf(high).all()
    for coverage in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="coverage"):
            interval_ranks(100, coverage)
    with pytest.raises(ValueError, match="finite"):
        cv_plus_interval(np.zeros((2, 3)), np.array([1.0, np.nan]), np.array([0, 1]))
    with pytest.raises(ValueError, match="member indices"):
        cv_plus_interval(np.zeros((2, 3)), np.ones(2), np.array([0, 2]))


def _noisy_task(n: int, seed: int) -> pd.DataFrame:
    """y = a smooth function of three features plus noise that grows with the first."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, 3))
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1] + rng.normal(scale=0.2 + 0.1 * np.abs(x[:, 0]), size=n)
    table = pd.DataFrame(x, columns=["f0", "f1", "f2"])
    return pd.concat(
        [pd.DataFrame({"material_id": [f"m{seed}_{i}" for i in range(n)],
                       "formula": "X", "target": y}), table],
        axis=1,
    )  # fmt: skip


def test_a_90_percent_interval_covers_about_90_percent_of_new_materials():
    training, new = _noisy_task(800, 0), _noisy_task(4000, 1)
    fitted = fit_models(training, FitSpec("krr", {"kernel": "rbf", "alpha": 0.1, "gamma": 0.3}))
    x = new[["f0", "f1", "f2"]].to_numpy()
    members = np.stack([member.predict(x) for member in fitted.members])
    for coverage in (0.8, 0.9):
        low, high = cv_plus_interval(members, fitted.residuals, fitted.folds, coverage)
        covered = ((new["target"] >= low) & (new["target"] <= high)).mean()
        assert abs(covered - coverage) < 0.03, (coverage, covered)
    assert_allclose(fitted.residuals, np.abs(training["target"] - fitted.out_of_fold))
    assert sorted(np.bincount(fitted.folds)) == [160] * 5  # every material in one fold


def _gapped_or_metal_salts(n: int = 120) -> pd.DataFrame:
    """Salts whose gap is exactly 0 for the Li ones and ~2-5 eV for the others."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        metal, anion = ["Li", "Na", "K"][i % 3], ["F", "Cl", "Br", "O", "S"][(i // 3) % 5]
        amounts = [1.0 + (i % 4), 1.0 + (i // 15) % 4]
        gap = 0.0 if metal == "Li" else 2.0 + amounts[1] * 0.5 + rng.normal(scale=0.2)
        rows.append((i, f"{metal}{amounts[0]:g}{anion}{amounts[1]:g}", [metal, anion],
                     amounts, gap))  # fmt: skip
    return pd.DataFrame(rows, columns=["row", "formula", "elements", "amounts", "target"])


def test_predictions_carry_the_interval_and_a_gated_models_probability_of_a_gap():
    from atomdl.representations import magpie

    compositions = _gapped_or_metal_salts()
    gated = fit_composition_predictor(
        compositions, magpie(), "gated_hgb",
        {"probability": 0.5, "classifier__max_iter": 50, "regressor__max_iter": 50},
    )  # fmt: skip
    table = predict_band_gaps(["Li2O", "Na2O", "KCl", "Xx2"], gated)
    given = table.iloc[:3]
    assert given["gap_probability"].between(0, 1).all()
    assert given["gap_probability"].iloc[0] < 0.5 < given["gap_probability"].iloc[1:].min()
    assert (given["interval_low"] >= 0).all()
    assert (given["interval_low"] <= given["interval_high"]).all()
    assert given["interval_high"].iloc[1:].gt(1.0).all()
    assert pd.isna(table.loc[3, "interval_low"]) and table.loc[3, "rejected_reason"]

    plain = fit_composition_predictor(compositions, magpie(), "rf", {"n_estimators": 20})
    answers = predict_band_gaps(["Na2O"], plain)
    assert answers["gap_probability"].isna().all()  # no gate, no probability
    assert answers["interval_high"].iloc[0] > answers["interval_low"].iloc[0]


def test_the_predictors_coverage_sets_the_width_and_is_checked():
    from dataclasses import replace

    from atomdl.representations import magpie

    predictor = fit_composition_predictor(
        _gapped_or_metal_salts(), magpie(), "rf", {"n_estimators": 20}
    )
    formulas = ["Na2O", "KBr", "Na3S2"]
    wide = predict_band_gaps(formulas, replace(predictor, coverage=0.95))
    narrow = predict_band_gaps(formulas, replace(predictor, coverage=0.5))
    width = lambda t: t["interval_high"] - t["interval_low"]  # noqa: E731
    assert (width(wide) >= width(narrow)).all() and (width(wide) > width(narrow)).any()
    assert_allclose(wide["predicted_band_gap"], narrow["predicted_band_gap"])
    with pytest.raises(ValueError, match="coverage"):
        replace(predictor, coverage=1.0)


def test_all_folds_is_leave_one_out_and_a_task_may_ask_for_it():
    from atomdl.parameters import Prediction

    training = _noisy_task(40, 2)
    fitted = fit_models(training, FitSpec("krr", {"kernel": "rbf", "gamma": 0.3}, "all"))
    assert len(fitted.members) == 40 and sorted(fitted.folds) == list(range(40))
    screen = {"outer": ["S", "Se"], "prototypes": ["2H"]}
    params = Prediction.model_validate(
        {"tasks": {"janus": {"uncertainty_folds": "all"}}, "janus_screening": screen}
    )
    assert params.tasks["janus"].uncertainty_folds == "all"
    with pytest.raises(ValueError, match="uncertainty_folds"):
        Prediction.model_validate(
            {"tasks": {"janus": {"uncertainty_folds": "some"}}, "janus_screening": screen}
        )
