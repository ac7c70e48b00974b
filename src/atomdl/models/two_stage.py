"""A regressor for targets that are often exactly zero (about half of Matbench expt_gap's band
gaps are 0 eV: metals): a classifier decides "above zero or not", and a regressor trained on the
non-zero materials alone gives the value of those called non-zero; the rest are predicted 0."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone

__all__ = ["TwoStageRegressor"]


class TwoStageRegressor(RegressorMixin, BaseEstimator):
    """``classifier`` for ``y > threshold``, then ``regressor`` on the rows above it.

    Tuned like any scikit-learn estimator (``classifier__n_estimators``,
    ``regressor__max_features``, ...). When the training rows are all on one side, the missing
    stage is not fitted: all zero predicts ``threshold``; none zero uses the regressor alone.
    """

    def __init__(self, classifier, regressor, threshold: float = 0.0):
        self.classifier = classifier
        self.regressor = regressor
        self.threshold = threshold

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        above = y > self.threshold
        self.classifier_ = None
        self.regressor_ = None
        if above.any() and not above.all():
            self.classifier_ = clone(self.classifier).fit(X, above)
        if above.any():
            self.regressor_ = clone(self.regressor).fit(X[above], y[above])
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        predicted = np.full(len(X), float(self.threshold))
        if self.regressor_ is None:
            return predicted
        called = (
            np.ones(len(X), dtype=bool)
            if self.classifier_ is None
            else self.classifier_.predict(X).astype(bool)
        )
        if called.any():
            predicted[called] = np.maximum(self.regressor_.predict(X[called]), self.threshold)
        return predicted
