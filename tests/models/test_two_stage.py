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
