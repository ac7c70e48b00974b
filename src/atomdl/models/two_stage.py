"""A regressor for targets that are often exactly zero (about half of Matbench expt_gap's band
gaps are 0 eV: metals): a classifier decides "above zero or not", and a regressor trained on the
non-zero materials alone gives the value of those called non-zero; the rest are predicted 0."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["TwoStageRegressor"]


class TwoStageRegressor(RegressorMixin, BaseEstimator):
    """``classifier`` for ``y > threshold``, then ``regressor`` on the rows above it.

    A material is called above (gapped) when the classifier's probability of it exceeds
    ``probability``: the gate's own setting, tuned with the others on the training part only.
    Tuned like any scikit-learn estimator (``probability``, ``classifier__n_estimators``,
    ``regressor__max_features``, ...). When the training rows are all on one side, the missing
    stage is not fitted: all zero predicts ``threshold``; none zero uses the regressor alone.

    ``random_state``: ``None`` leaves each stage its own ``random_state`` (the registry seeds
    the stages themselves); otherwise it is given to both stages, as a meta-estimator passes
    it on. Missing values are accepted where both stages accept them.
    """

    def __init__(
        self, classifier, regressor, threshold: float = 0.0, random_state=None,
        probability: float = 0.5,
    ):  # fmt: skip
        self.classifier = classifier
        self.regressor = regressor
        self.threshold = threshold
        self.random_state = random_state
        self.probability = probability

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        stages = (self.classifier, self.regressor)
        tags.input_tags.allow_nan = all(get_tags(s).input_tags.allow_nan for s in stages)
        return tags

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True,
                             ensure_all_finite=self._finite())  # fmt: skip
        if not 0.0 <= self.probability < 1.0:
            raise ValueError(f"probability: the gate's cut, in [0, 1), not {self.probability}")
        y = y.astype(float)
        above = y > self.threshold
        self.classifier_ = None
        self.regressor_ = None
        if above.any() and not above.all():
            self.classifier_ = self._stage(self.classifier).fit(X, above)
        if above.any():
            self.regressor_ = self._stage(self.regressor).fit(X[above], y[above])
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False, ensure_all_finite=self._finite())
        predicted = np.full(len(X), float(self.threshold))
        if self.regressor_ is None:
            return predicted
        called = self._called(X)
        if called.any():
            predicted[called] = np.maximum(self.regressor_.predict(X[called]), self.threshold)
        return predicted

    def gap_probability(self, X) -> np.ndarray:
        """The classifier's probability that each row is above ``threshold`` (has a gap): 1 or
        0 for all rows when the training rows were all on one side."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False, ensure_all_finite=self._finite())
        return self._gapped(X)

    def _called(self, X) -> np.ndarray:
        """Rows called gapped: the classifier's own call (its larger class probability) at
        ``probability`` 0.5, else its probability above ``probability``."""
        if self.classifier_ is not None and self.probability == 0.5:
            return self.classifier_.predict(X).astype(bool)
        return self._gapped(X) > self.probability

    def _gapped(self, X) -> np.ndarray:
        if self.classifier_ is None:
            return np.full(len(X), 1.0 if self.regressor_ is not None else 0.0)
        above = list(self.classifier_.classes_).index(True)
        return self.classifier_.predict_proba(X)[:, above]

    def _stage(self, estimator):
        """A fresh copy of a stage, given ``random_state`` when one is set."""
        stage = clone(estimator)
        if self.random_state is not None and "random_state" in stage.get_params():
            stage.set_params(random_state=self.random_state)
        return stage

    def _finite(self):
        # the stages see the same rows: missing values pass where both accept them
        return "allow-nan" if get_tags(self).input_tags.allow_nan else True
