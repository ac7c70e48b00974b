"""The two-stage model on a task with known zeros (half metals, as in expt_gap)."""

import numpy as np
import pytest

from atomdl.models.registry import make_estimator
from atomdl.models.two_stage import TwoStageRegressor
from atomdl.protocol.compare import nested_cv
from atomdl.protocol.splits import outer_folds

RNG = np.random.default_rng(8)
N = 300
X = RNG.normal(size=(N, 4))
# metals (gap exactly 0) where x0 < 0; gapped materials follow 1 + x1^2
Y = np.where(X[:, 0] < 0, 0.0, 1.0 + X[:, 1] ** 2)


def test_zeros_are_predicted_exactly_and_gaps_by_the_regressor():
    model = make_estimator("two_stage", seed=0).fit(X[:200], Y[:200])
    fitted = model.named_steps["model"]
    gapped = int((Y[:200] > 0).sum())
    assert fitted.regressor_.n_features_in_ == 4
    assert len(fitted.regressor_.estimators_samples_[0]) == gapped  # trained on gapped rows only
    predicted = model.predict(X[200:])
    called_metal = ~fitted.classifier_.predict(model.named_steps["scale"].transform(X[200:]))
    assert (predicted[called_metal] == 0).all() and (predicted[~called_metal] > 0).all()
    assert (predicted[Y[200:] == 0] == 0).mean() > 0.9
    assert np.abs(predicted - Y[200:]).mean() < 0.35


def test_it_runs_under_the_nested_protocol_and_beats_the_mean():
    import pandas as pd

    table = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    table.insert(0, "material_id", [f"m{i:03d}" for i in range(N)])
    table.insert(1, "formula", "X")
    table.insert(2, "target", Y)
    folds = outer_folds(table["material_id"], n_splits=5, n_repeats=1)
    grid = {"classifier__n_estimators": [10, 30], "regressor__n_estimators": [30]}
    result = nested_cv(table, "two_stage", grid, folds, inner_splits=3)
    baseline = nested_cv(table, "mean", None, folds).summary()
    assert result.summary()["mae_mean"] < 0.3 * baseline["mae_mean"]
    assert (result.predictions["prediction"] == 0).mean() > 0.4  # about half are metals


@pytest.mark.parametrize("targets", [np.zeros(20), np.linspace(0.5, 2, 20)])
def test_training_rows_all_on_one_side(targets):
    model = TwoStageRegressor(
        make_estimator("rf").named_steps["model"].__class__(n_estimators=5, random_state=0),
        make_estimator("rf").named_steps["model"].__class__(n_estimators=5, random_state=0),
    ).fit(X[:20], targets)
    predicted = model.predict(X[20:30])
    if targets.max() == 0:
        assert (predicted == 0).all()
    else:
        assert (predicted > 0).all()


def test_random_state_reaches_both_stages_and_none_leaves_theirs():
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    stages = (
        RandomForestClassifier(n_estimators=3, random_state=1),
        RandomForestRegressor(n_estimators=3, random_state=1),
    )
    given = TwoStageRegressor(*stages, random_state=7).fit(X[:40], Y[:40])
    assert given.classifier_.random_state == 7 and given.regressor_.random_state == 7
    own = TwoStageRegressor(*stages).fit(X[:40], Y[:40])
    assert own.classifier_.random_state == 1 and own.regressor_.random_state == 1
    assert stages[0].random_state == 1  # the parameters themselves are never changed


def test_the_gradient_boosted_gate_predicts_zeros_exactly_and_says_how_sure_it_is():
    model = make_estimator("gated_hgb", seed=0).fit(X[:200], Y[:200])
    gate = model.named_steps["model"]
    scaled = model.named_steps["scale"].transform(X[200:])
    probability = gate.gap_probability(scaled)
    assert probability.shape == (100,) and ((0 <= probability) & (probability <= 1)).all()
    # gapped rows get a high probability, metals a low one (the rule is x0 >= 0)
    assert probability[Y[200:] > 0].mean() > 0.8 and probability[Y[200:] == 0].mean() < 0.2
    predicted = model.predict(X[200:])
    assert ((predicted == 0) == (probability <= 0.5)).all()
    assert (predicted[Y[200:] == 0] == 0).mean() > 0.9
    assert np.abs(predicted - Y[200:]).mean() < 0.35


def test_a_higher_gate_calls_fewer_materials_gapped():
    # three boosting rounds: probabilities still soft, so the cut matters
    model = make_estimator("gated_hgb", seed=0).set_params(model__classifier__max_iter=3)
    model.fit(X[:200], Y[:200])
    gapped = []
    for cut in (0.05, 0.5, 0.95):
        model.set_params(model__probability=cut)
        gapped.append(int((model.predict(X[200:]) > 0).sum()))
    assert gapped[0] >= gapped[1] >= gapped[2] and gapped[0] > gapped[2]
    with pytest.raises(ValueError, match="probability"):
        make_estimator("gated_hgb").set_params(model__probability=1.0).fit(X[:50], Y[:50])


def test_one_sided_training_rows_give_a_certain_probability():
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    stages = HistGradientBoostingClassifier(max_iter=5), HistGradientBoostingRegressor(max_iter=5)
    metals = TwoStageRegressor(*stages).fit(X[:30], np.zeros(30))
    gapped = TwoStageRegressor(*stages).fit(X[:30], np.linspace(0.5, 2, 30))
    assert (metals.gap_probability(X[30:40]) == 0).all()
    assert (gapped.gap_probability(X[30:40]) == 1).all()
