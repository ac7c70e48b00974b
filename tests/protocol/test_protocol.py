"""Nested cross-validation: known answers, identical folds, no leakage, honest baselines."""

import json

import numpy as np
import pandas as pd
import pytest

from atomdl.models.registry import make_estimator
from atomdl.protocol.compare import compare_representations, nested_cv, paper_protocol
from atomdl.protocol.plan import Protocol
from atomdl.protocol.run import prefixed_grid
from atomdl.protocol.splits import outer_folds
from atomdl.protocol.statistics import corrected_resampled_ttest

RNG = np.random.default_rng(0)
N = 60


def _table(features: np.ndarray, target: np.ndarray, order=None) -> pd.DataFrame:
    table = pd.DataFrame(features, columns=[f"f{i}" for i in range(features.shape[1])])
    table.insert(0, "material_id", [f"m{i:03d}" for i in range(len(target))])
    table.insert(1, "formula", "X")
    table.insert(2, "target", target)
    return table if order is None else table.iloc[order].reset_index(drop=True)


X = RNG.normal(size=(N, 3))
Y_LINEAR = 2.0 * X[:, 0] - 1.0 * X[:, 1] + RNG.normal(0, 0.1, N)
LINEAR = _table(X, Y_LINEAR)
KRR_GRID = [{"kernel": ["poly"], "degree": [1, 3], "alpha": [0.001, 1.0], "coef0": [1.0]}]


def test_the_protocol_recovers_a_linear_law_and_prefers_degree_one():
    folds = outer_folds(LINEAR["material_id"], n_splits=5, n_repeats=2)
    result = nested_cv(LINEAR, "krr", KRR_GRID, folds)
    summary = result.summary()
    # the noise is N(0, 0.1): the best possible MAE is about 0.08
    assert 0.05 < summary["mae_mean"] < 0.13 and summary["r2_mean"] > 0.99
    chosen = [json.loads(p)["degree"] for p in result.folds["best_params"]]
    assert chosen.count(1) >= 8  # of 10 outer folds
    baseline = nested_cv(LINEAR, "mean", None, folds).summary()
    assert baseline["mae_mean"] > 10 * summary["mae_mean"]


def test_every_material_is_predicted_once_per_repeat():
    folds = outer_folds(LINEAR["material_id"], n_splits=5, n_repeats=3, seed=7)
    result = nested_cv(LINEAR, "mean", None, folds)
    counts = result.predictions.groupby("material_id")["repeat"].agg(["count", "nunique"])
    assert (counts["count"] == 3).all() and (counts["nunique"] == 3).all()
    assert result.folds[["n_train", "n_test"]].sum(axis=1).eq(N).all()


def test_outer_folds_do_not_depend_on_row_order_or_features():
    shuffled = _table(RNG.normal(size=(N, 5)), Y_LINEAR, order=RNG.permutation(N))
    a = outer_folds(LINEAR["material_id"], n_repeats=2)
    b = outer_folds(shuffled["material_id"], n_repeats=2)
    pd.testing.assert_frame_equal(a, b)
    first = nested_cv(LINEAR, "mean", None, a).predictions
    second = nested_cv(shuffled, "mean", None, a).predictions
    key = ["repeat", "fold", "material_id"]
    pd.testing.assert_frame_equal(
        first[key].sort_values(key).reset_index(drop=True),
        second[key].sort_values(key).reset_index(drop=True),
    )


def test_no_scaler_ever_sees_a_row_of_its_outer_test_fold(monkeypatch):
    from sklearn.preprocessing import StandardScaler

    # the first feature is the row number: what a scaler was fitted on is what it saw
    table = _table(np.column_stack([np.arange(N), X]), Y_LINEAR)
    seen: list[set] = []
    original = StandardScaler.fit

    def recording_fit(self, data, y=None, **kwargs):
        seen.append(set(np.asarray(data)[:, 0].astype(int)))
        return original(self, data, y, **kwargs)

    monkeypatch.setattr(StandardScaler, "fit", recording_fit)
    folds = outer_folds(table["material_id"], n_splits=5, n_repeats=1)
    for (_, _), members in folds.groupby(["repeat", "fold"]):
        seen.clear()
        nested_cv(table, "krr", KRR_GRID, members.assign(fold=0, repeat=0))
        test_rows = {int(m[1:]) for m in members["material_id"]}
        assert seen and all(not rows & test_rows for rows in seen)
        assert max(len(rows) for rows in seen) == N - len(test_rows)  # the refit on all training


def test_mean_predictor_mae_equals_a_hand_computation():
    folds = outer_folds(LINEAR["material_id"], n_splits=4, n_repeats=2, seed=3)
    result = nested_cv(LINEAR, "mean", None, folds)
    target = LINEAR.set_index("material_id")["target"]
    expected = []
    for (_, _), members in folds.groupby(["repeat", "fold"]):
        test = target.loc[members["material_id"]]
        train = target.drop(members["material_id"])
        expected.append(np.mean(np.abs(test - train.mean())))
    assert result.folds["mae"].to_numpy() == pytest.approx(expected)


def test_a_one_point_grid_is_fitted_directly_as_a_grid_search_would_refit_it(monkeypatch):
    from sklearn.model_selection import GridSearchCV

    folds = outer_folds(LINEAR["material_id"], n_splits=5, n_repeats=2)
    point = {"n_estimators": [7], "max_features": ["sqrt"]}
    monkeypatch.setattr(GridSearchCV, "fit", lambda *a, **k: pytest.fail("inner search ran"))
    result = nested_cv(LINEAR, "rf", point, folds)
    assert {json.loads(p)["n_estimators"] for p in result.folds["best_params"]} == {7}
    target = LINEAR.set_index("material_id")
    features = target.drop(columns=["formula", "target"])
    for (repeat, _), members in folds.groupby(["repeat", "fold"]):
        train = target.drop(members["material_id"])
        forest = make_estimator("rf", seed=int(repeat)).set_params(
            model__n_estimators=7, model__max_features="sqrt"
        )
        forest.fit(features.loc[train.index], train["target"])
        expected = forest.predict(features.loc[members["material_id"]])
        got = result.predictions.loc[result.predictions["repeat"].eq(repeat)]
        got = got.set_index("material_id").loc[members["material_id"], "prediction"]
        assert got.to_numpy() == pytest.approx(expected)
    assert json.loads(paper_protocol(LINEAR, "rf", point).best_params)["n_estimators"] == 7


def test_materials_missing_from_a_table_are_left_out_on_both_sides():
    folds = outer_folds(LINEAR["material_id"], n_repeats=1)
    result = nested_cv(LINEAR.iloc[5:], "mean", None, folds)
    assert result.folds[["n_train", "n_test"]].sum(axis=1).eq(N - 5).all()


def test_the_paper_protocol_reports_labelled_optimistic_scores():
    outcome = paper_protocol(LINEAR, "krr", KRR_GRID)
    assert outcome.protocol == "paper (optimistic)"
    assert json.loads(outcome.best_params)["degree"] == 1
    assert outcome.folds["best_params"].nunique() == 1  # one choice, made on all rows
    assert sorted(outcome.predictions["material_id"]) == sorted(LINEAR["material_id"])
    assert outcome.folds[["n_train", "n_test"]].sum(axis=1).eq(N).all()
    summary = outcome.summary()
    assert summary["mae_mean"] < 0.13
    assert summary["mae_mean"] == pytest.approx(outcome.folds["mae"].mean())
    refitted = outcome.estimator.predict(LINEAR.drop(columns=["material_id", "formula", "target"]))
    assert refitted.shape == (N,)


def test_both_protocols_give_one_result_type_summarised_alike():
    folds = outer_folds(LINEAR["material_id"], n_repeats=2)
    nested = nested_cv(LINEAR, "krr", KRR_GRID, folds)
    paper = paper_protocol(LINEAR, "krr", KRR_GRID)
    assert type(nested) is type(paper)
    assert list(nested.folds.columns) == list(paper.folds.columns)
    assert list(nested.predictions.columns) == list(paper.predictions.columns)
    assert set(nested.summary()) == set(paper.summary())
    assert nested.protocol == "nested" and nested.estimator is None
    assert len(nested.folds) == 10 and len(paper.folds) == 5


def test_corrected_resampled_ttest_matches_the_formula():
    a = np.array([0.20, 0.22, 0.19, 0.25, 0.21])
    b = np.array([0.25, 0.24, 0.26, 0.27, 0.22])
    d = a - b
    t_expected = d.mean() / np.sqrt((1 / 5 + 20 / 80) * d.var(ddof=1))
    t, p = corrected_resampled_ttest(a, b, n_train=80, n_test=20)
    assert t == pytest.approx(t_expected)
    from scipy import stats

    assert p == pytest.approx(2 * stats.t.sf(abs(t_expected), 4))
    naive = stats.ttest_rel(a, b).pvalue
    assert p > naive  # the correction is more careful than a plain paired t-test
    assert corrected_resampled_ttest(a, a, 80, 20) == (0.0, 1.0)
    with pytest.raises(ValueError, match="at least two"):
        corrected_resampled_ttest([0.1], [0.2], 80, 20)


def test_estimators_scale_inside_the_pipeline_and_grids_address_the_model():
    estimator = make_estimator("svr")
    assert [name for name, _ in estimator.steps] == ["scale", "model"]
    assert prefixed_grid({"C": [1, 10]}) == [{"model__C": [1, 10]}]
    assert prefixed_grid(None) == []
    with pytest.raises(ValueError, match="unknown model 'gp'"):
        make_estimator("gp")


def test_comparing_representations_scores_each_on_the_same_folds_and_tests_against_the_reference():
    noise = _table(RNG.normal(size=(N, 3)), Y_LINEAR, order=RNG.permutation(N))
    comparison = compare_representations(
        {"noise": noise, "informative": LINEAR},
        ["mean", "krr"],
        {"krr": KRR_GRID},
        Protocol(reference="informative", n_repeats=2),
    )
    seen = [(pair.representation, pair.model) for pair in comparison.pairs]
    assert seen == [("informative", "mean"), ("informative", "krr"), ("noise", "mean"),
                    ("noise", "krr")]  # fmt: skip
    results = comparison.results.set_index(["representation", "model", "protocol"])
    assert len(results) == 8
    krr = results.xs(("krr", "nested"), level=["model", "protocol"])
    assert krr.loc["informative", "mae_mean"] < 0.13 < krr.loc["noise", "mae_mean"]
    assert krr.loc["noise", "p_vs_reference"] < 0.01 and np.isnan(
        krr.loc["informative", "p_vs_reference"]
    )
    # identical outer folds: each (repeat, fold) holds the same materials for both
    members = comparison.predictions.groupby(["representation", "repeat", "fold"])["material_id"]
    members = members.apply(frozenset).unstack("representation")
    assert (members["noise"] == members["informative"]).all()
    table4 = comparison.prediction_table()
    assert len(table4) == N and {"krr__informative", "mean__noise"} <= set(table4.columns)
    assert comparison.markdown().startswith("Settings: nested CV: outer 5-fold x 2 repeats")
    with pytest.raises(KeyError, match="reference 'atom_dl'"):
        compare_representations({"noise": noise}, ["mean"], {}, Protocol(reference="atom_dl"))


def test_a_nested_run_without_the_paper_protocol_is_tracked_without_its_parts(tmp_path):
    """paper=False gives each pair no paper outcome: the nested run is still recorded, with
    no paper_ metrics, no refit parameters and no refitted model."""
    import mlflow

    from atomdl.tracking.selection import log_selection_runs

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("selection-test")
    try:
        comparison = compare_representations(
            {"a": LINEAR}, ["krr"], {"krr": KRR_GRID}, Protocol(n_repeats=1, paper=False)
        )
        calls = [pair.paper for pair in comparison.pairs]
        with mlflow.start_run() as parent:
            log_selection_runs(comparison, "toy", {"krr": KRR_GRID}, log_models=True)
        client = mlflow.MlflowClient()
        (child,) = client.search_runs(
            [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
        )
        assert calls == [None]
        assert child.data.tags["model"] == "krr" and "mae_mean" in child.data.metrics
        assert not any(k.startswith("paper_") for k in child.data.metrics)
        assert "best_params_refit" not in child.data.params
        assert child.data.params["best_params_chosen"].endswith("(5 of 5 folds)")
        assert "outer_fold_mae" in child.data.metrics
        assert {a.path for a in client.list_artifacts(child.info.run_id)} == {
            "folds.csv",
            "parity.png",
        }
    finally:
        mlflow.set_tracking_uri(None)


def test_predictions_are_averaged_over_repeats_in_one_place():
    folds = outer_folds(LINEAR["material_id"], n_repeats=3)
    comparison = compare_representations({"atom_dl": LINEAR, "magpie": LINEAR.iloc[4:]},
                                         ["mean", "krr"], {"krr": KRR_GRID},
                                         Protocol(n_repeats=3, paper=False))  # fmt: skip
    assert len(folds) == 3 * N
    predictions = comparison.predictions
    table = comparison.prediction_table().set_index("material_id")
    for (model, representation), group in predictions.groupby(["model", "representation"]):
        expected = group.groupby("material_id")["prediction"].mean()
        column = table[f"{model}__{representation}"]
        np.testing.assert_array_equal(column.loc[expected.index], expected)
        assert column.isna().sum() == (4 if representation == "magpie" else 0)
    nested = nested_cv(LINEAR, "krr", KRR_GRID, folds)
    averaged = nested.averaged().set_index("material_id")
    assert len(averaged) == N
    by_hand = nested.predictions.groupby("material_id")[["target", "prediction"]].mean()
    np.testing.assert_array_equal(averaged.loc[by_hand.index].to_numpy(), by_hand.to_numpy())


def test_chosen_parameters_read_plainly_most_chosen_first():
    from atomdl.tracking.selection import chosen_params

    folds = pd.Series(['{"C": 1.0, "gamma": 0.01}'] * 3 + ['{"C": 10.0, "gamma": 0.01}'] * 7)
    assert chosen_params(folds) == (
        "C=10.0, gamma=0.01 (7 of 10 folds); C=1.0, gamma=0.01 (3 of 10 folds)"
    )
    assert chosen_params(pd.Series(["{}", "{}"])) == "(fixed) (2 of 2 folds)"
