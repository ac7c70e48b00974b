"""The inner grid search of model selection: the choice ``GridSearchCV`` makes, made faster.

``GridSearchCV(Pipeline([StandardScaler, model]), grid, cv, scoring="neg_mean_absolute_error")``
clones and refits the whole pipeline for every grid point and split, through joblib. For the
small tables of this project that overhead is most of the time. :class:`SharedSplitSearch`
scores the same grid points on the same splits with the same arithmetic, sharing what does not
depend on the point being scored:

* the scaler is fitted once per split (every point uses the same scaled rows);
* kernel ridge: the kernel matrix is computed once per split and kernel setting, and solved for
  every ``alpha`` with the LAPACK calls ``KernelRidge`` makes (Cholesky factor, then solve),
  without ``scipy.linalg.solve``'s extra copy and condition estimate (0.32 s against 0.49 s on
  2,947 rows), so the predictions are bit for bit those of ``KernelRidge``;
* random forest: one forest of the largest ``n_estimators`` per split; a forest of ``k`` trees is
  its first ``k`` trees (scikit-learn draws the trees' seeds in order), scored by accumulating
  tree predictions in the same order as ``RandomForestRegressor.predict``;
* gradient boosting: one model of the largest ``max_iter`` per split, scored after each
  iteration count in the grid (``staged_predict``; early stopping is off, so a model of ``k``
  iterations is the first ``k`` iterations of a longer one);
* support vector regression: the same kernel matrices, computed once per split and kernel
  setting with BLAS, handed to libsvm as a precomputed kernel for every ``C`` and ``epsilon``.
  libsvm evaluates an RBF or polynomial kernel itself one entry at a time; on the 3,683 x 1,000
  expt_gap tables that is about 95% of a fit (mat2vec: 5.9 s per fit, 0.25 s on a precomputed
  kernel). This reformulates the kernel's arithmetic, so scores differ from ``SVR``'s by
  rounding (largest seen 3e-13 eV on expt_gap); the choice is tested equal to GridSearchCV's;
* two-stage models: one fit per split and setting of the stages, scored at every value of the
  gate's ``probability`` (applied at prediction);
* everything else (the mean, kernels libsvm has no precomputed form of here) is fitted per
  point on the shared scaled rows.

Means over splits and the tie rule (the first best point in grid order) are GridSearchCV's.
The refitted best model is the usual pipeline (a plain ``SVR`` for SVR), fitted on all rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import ParameterGrid
from sklearn.preprocessing import StandardScaler

__all__ = ["GATED", "SharedSplitSearch"]

#: two-stage models (``atomdl.models.two_stage``): the gate's ``probability`` is applied at
#: prediction, so one fit serves every value of it
GATED = ("two_stage", "gated_hgb")


class SharedSplitSearch(RegressorMixin, BaseEstimator):
    """Grid search of ``make_estimator(model)`` on ``cv``'s splits by mean absolute error.

    ``param_grid`` addresses the model step (``model__alpha``), as for ``GridSearchCV`` on the
    pipeline. After ``fit``: ``best_params_``, ``best_index_``, ``best_score_`` (negative MAE),
    ``cv_results_`` (``params``, ``mean_test_score``, ``split<i>_test_score``) and
    ``best_estimator_`` (refitted on all rows).
    """

    def __init__(self, model: str, param_grid, cv, seed: int = 0):
        self.model = model
        self.param_grid = param_grid
        self.cv = cv
        self.seed = seed

    def fit(self, X, y):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):  # many small fits: no thread teams
            return self._fit(X, y)

    def _fit(self, X, y):
        from atomdl.models.registry import make_estimator

        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        points = list(ParameterGrid(self.param_grid)) if self.param_grid else [{}]
        splits = list(self.cv.split(X, y))
        scores = np.empty((len(points), len(splits)))
        for s, (train, test) in enumerate(splits):
            scaler = StandardScaler().fit(X[train])
            scaled_train, scaled_test = scaler.transform(X[train]), scaler.transform(X[test])
            scores[:, s] = _score_points(
                self.model, points, self.seed, scaled_train, y[train], scaled_test, y[test]
            )
        means = np.average(scores, axis=1)
        self.best_index_ = int(np.flatnonzero(means == np.nanmax(means))[0])
        self.best_params_ = points[self.best_index_]
        self.best_score_ = float(means[self.best_index_])
        self.cv_results_ = {"params": points, "mean_test_score": means}
        self.cv_results_ |= {f"split{s}_test_score": scores[:, s] for s in range(len(splits))}
        self.best_estimator_ = make_estimator(self.model, self.seed).set_params(**self.best_params_)
        self.best_estimator_.fit(X, y)
        return self

    def predict(self, X):
        return self.best_estimator_.predict(X)


def _score_points(model, points, seed, X_train, y_train, X_test, y_test) -> np.ndarray:
    """Negative MAE of every grid point on one split (rows already scaled)."""
    scores = np.empty(len(points))
    special = {"krr": _kernel_ridge_scores, "svr": _support_vector_scores, "rf": _forest_scores,
               "hgb": _boosting_scores}.get(model)  # fmt: skip
    if special is not None:
        special(points, seed, X_train, y_train, X_test, y_test, scores)
        return scores
    if model in GATED:
        _gate_scores(model, points, seed, X_train, y_train, X_test, y_test, scores)
        return scores
    from atomdl.models.registry import make_estimator

    for i, point in enumerate(points):
        regressor = make_estimator(model, seed).set_params(**point).named_steps["model"]
        predicted = regressor.fit(X_train, y_train).predict(X_test)
        scores[i] = -_mae(y_test, predicted)
    return scores


def _groups(points: Sequence[dict], varying: str | tuple[str, ...]):
    """Indices of the points that differ only in ``varying``, with their shared settings."""
    varying = (varying,) if isinstance(varying, str) else varying
    key = lambda i: sorted((k, repr(v)) for k, v in points[i].items() if k not in varying)  # noqa: E731
    ordered = sorted(range(len(points)), key=key)
    for _, members in itertools.groupby(ordered, key=key):
        members = list(members)
        shared = {k: v for k, v in points[members[0]].items() if k not in varying}
        yield shared, members


def _kernel_ridge_scores(points, seed, X_train, y_train, X_test, y_test, scores) -> None:
    from scipy import linalg
    from sklearn.kernel_ridge import KernelRidge

    target = y_train.reshape(-1, 1)  # as KernelRidge.fit solves it
    kernels = _SplitKernels(X_train, X_test)
    for shared, members in _groups(points, "model__alpha"):
        settings = KernelRidge().set_params(**_unprefixed(shared))
        kernel_train, kernel_test = kernels.pair(
            settings.kernel, settings.gamma, settings.degree, settings.coef0, settings.kernel_params
        )
        for i in members:
            alpha = points[i].get("model__alpha", settings.alpha)
            try:  # LAPACK's potrf + potrs, as linalg.solve(assume_a="pos") calls them
                factor = linalg.cho_factor(_ridge(kernel_train, alpha), overwrite_a=True,
                                           check_finite=False)  # fmt: skip
                dual = linalg.cho_solve(factor, target, check_finite=False)
            except np.linalg.LinAlgError:  # KernelRidge's own fallback
                dual = linalg.lstsq(_ridge(kernel_train, alpha), target)[0]
            scores[i] = -_mae(y_test, np.dot(kernel_test, dual.ravel()))


def _ridge(kernel: np.ndarray, alpha: float) -> np.ndarray:
    system = kernel.copy()
    system.flat[:: len(system) + 1] += alpha
    return system


def _support_vector_scores(points, seed, X_train, y_train, X_test, y_test, scores) -> None:
    from sklearn.svm import SVR

    kernels = _SplitKernels(X_train, X_test)
    kernel_settings = ("model__kernel", "model__gamma", "model__degree", "model__coef0")
    unshared = tuple({k for p in points for k in p} - set(kernel_settings))
    for shared, members in _groups(points, unshared):
        settings = SVR().set_params(**_unprefixed(shared))
        if not kernels.handles(settings.kernel):
            for i in members:
                regressor = SVR().set_params(**_unprefixed(points[i])).fit(X_train, y_train)
                scores[i] = -_mae(y_test, regressor.predict(X_test))
            continue
        kernel_train, kernel_test = kernels.pair(settings.kernel, _svr_gamma(settings, X_train),
                                                 settings.degree, settings.coef0)  # fmt: skip
        for i in members:
            regressor = SVR().set_params(**_unprefixed(points[i]) | {"kernel": "precomputed"})
            regressor.fit(kernel_train, y_train)
            scores[i] = -_mae(y_test, regressor.predict(kernel_test))


def _svr_gamma(settings, X_train: np.ndarray) -> float:
    """The number ``SVR.fit`` makes of its ``gamma`` ("scale", "auto" or a number)."""
    if settings.gamma == "scale":
        variance = X_train.var()
        return 1.0 / (X_train.shape[1] * variance) if variance != 0 else 1.0
    if settings.gamma == "auto":
        return 1.0 / X_train.shape[1]
    return float(settings.gamma)


def _unprefixed(point: dict) -> dict:
    return {key.removeprefix("model__"): value for key, value in point.items()}


class _SplitKernels:
    """The kernel matrices of one split (training x training, test x training), computed as
    ``sklearn.metrics.pairwise`` computes them, from products and distances taken once."""

    def __init__(self, X_train: np.ndarray, X_test: np.ndarray):
        self.X_train, self.X_test = X_train, X_test
        self._products = self._distances = None

    def pair(self, kernel, gamma, degree, coef0, extra=None) -> tuple[np.ndarray, np.ndarray]:
        """(training x training, test x training) kernels of one kernel setting; ``gamma`` None
        means what it means to ``pairwise_kernels`` (1 / features for RBF and polynomial)."""
        if not self.handles(kernel) or extra:
            from sklearn.metrics.pairwise import pairwise_kernels

            params = {"gamma": gamma, "degree": degree, "coef0": coef0}
            return tuple(
                pairwise_kernels(X, self.X_train, metric=kernel, filter_params=True,
                                 **(extra or params))
                for X in (self.X_train, self.X_test)
            )  # fmt: skip
        gamma = 1.0 / self.X_train.shape[1] if gamma is None else float(gamma)
        if kernel == "rbf":
            return tuple(_rbf(d, gamma) for d in self.distances())
        products = self.products()
        if kernel == "linear":
            return products
        return tuple(_poly(p, gamma, coef0, degree) for p in products)

    @staticmethod
    def handles(kernel) -> bool:
        """Kernels computed here from shared products or distances."""
        return isinstance(kernel, str) and kernel in ("poly", "rbf", "linear")

    def products(self):
        if self._products is None:  # polynomial_kernel: safe_sparse_dot(X, Y.T)
            self._products = (self.X_train @ self.X_train.T, self.X_test @ self.X_train.T)
        return self._products

    def distances(self):
        if self._distances is None:  # rbf_kernel: euclidean_distances(X, Y, squared=True)
            from sklearn.metrics.pairwise import euclidean_distances

            self._distances = (
                euclidean_distances(self.X_train, None, squared=True),
                euclidean_distances(self.X_test, self.X_train, squared=True),
            )
        return self._distances


def _poly(products: np.ndarray, gamma: float, coef0: float, degree: float) -> np.ndarray:
    kernel = products * gamma
    kernel += coef0
    kernel **= degree
    return kernel


def _rbf(distances: np.ndarray, gamma: float) -> np.ndarray:
    kernel = distances * -gamma
    np.exp(kernel, kernel)
    return kernel


def _mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """``sklearn.metrics.mean_absolute_error`` without its input checks, in its arithmetic."""
    errors = np.abs(y_pred.reshape(-1, 1) - y_true.reshape(-1, 1))
    return float(np.mean(np.mean(errors, axis=0)))


def _forest_scores(points, seed, X_train, y_train, X_test, y_test, scores) -> None:
    from atomdl.models.registry import make_estimator

    for shared, members in _groups(points, "model__n_estimators"):
        sizes = {i: points[i].get("model__n_estimators", 100) for i in members}
        forest = make_estimator("rf", seed).set_params(**shared).named_steps["model"]
        forest.set_params(n_estimators=max(sizes.values())).fit(X_train, y_train)
        wanted = set(sizes.values())
        running = np.zeros(len(X_test))
        totals = {}
        rows = np.asarray(X_test, dtype=np.float32)  # what the forest's own predict checks once
        for count, tree in enumerate(forest.estimators_, start=1):
            # the order RandomForestRegressor.predict sums in, without its per-tree input check
            running += tree.predict(rows, check_input=False)
            if count in wanted:
                totals[count] = running.copy()
        for i, size in sizes.items():
            scores[i] = -_mae(y_test, totals[size] / size)


def _gate_scores(model, points, seed, X_train, y_train, X_test, y_test, scores) -> None:
    from atomdl.models.registry import make_estimator

    for shared, members in _groups(points, "model__probability"):
        fitted = make_estimator(model, seed).set_params(**shared).named_steps["model"]
        fitted.fit(X_train, y_train)
        for i in members:
            fitted.set_params(probability=points[i].get("model__probability", 0.5))
            scores[i] = -_mae(y_test, fitted.predict(X_test))


def _boosting_scores(points, seed, X_train, y_train, X_test, y_test, scores) -> None:
    from atomdl.models.registry import make_estimator

    for shared, members in _groups(points, "model__max_iter"):
        sizes = {i: points[i].get("model__max_iter", 100) for i in members}
        booster = make_estimator("hgb", seed).set_params(**shared).named_steps["model"]
        booster.set_params(max_iter=max(sizes.values())).fit(X_train, y_train)
        staged = dict(enumerate(booster.staged_predict(X_test), start=1))
        for i, size in sizes.items():
            scores[i] = -_mae(y_test, staged[min(size, booster.n_iter_)])
