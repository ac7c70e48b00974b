"""scikit-learn's estimator checks (``parametrize_with_checks``) for the two models of our own.

``EncoderRegressor`` runs them on a tiny configuration, so that they take seconds on a CPU: a
random one-block encoder over two elements (H, He), saved to a file (``start`` is its path), ten
epochs. Its first two columns are then the amounts of H and He, the rest extra features; it
declares ``positive_only``, so the checks give it non-negative data.

Every check runs; the ones that cannot apply are expected to fail (strictly: one that starts
passing fails the suite, so that this list stays true):

* ``TwoStageRegressor`` / ``check_regressors_train``: the check's targets are standardised
  (half of them negative) and asks for R^2 > 0.5; this model is made for targets that are never
  below ``threshold`` (band gaps, half of them exactly 0) and predicts at least ``threshold``,
  so on those rows it scores about 0.47.
* ``EncoderRegressor`` / ``check_estimators_dtypes``: the check casts uniform [0, 3) data to
  integers, so some rows have no element at all (both amounts 0): the encoder has no sequence
  to read for them and says so (a material always has at least one element).
"""

import os
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from atomdl.models.finetuned import EncoderRegressor
from atomdl.models.two_stage import TwoStageRegressor
from atomdl.pretraining import SPECIAL_TOKENS, AtomEncoder, EncoderConfig, encoder_artefact


def _two_element_encoder() -> Path:
    """A random one-block encoder over H and He, in a file: ``start`` is then a path, which the
    checks can hash (a torch module hashes differently in each copy, so that
    ``check_estimators_overwrite_params`` could not tell it unchanged)."""
    path = Path(tempfile.gettempdir()) / "atomdl-estimator-checks-encoder.pkl"
    tokens = [*SPECIAL_TOKENS, "H", "He"]
    config = EncoderConfig(len(tokens), embedding_dim=8, n_layers=1, n_heads=2,
                           feedforward_dim=16, dropout=0.0)  # fmt: skip
    with torch.random.fork_rng():
        torch.manual_seed(0)
        artefact = encoder_artefact(AtomEncoder(config, tokens))
    written = path.with_suffix(f".{os.getpid()}")
    written.write_bytes(pickle.dumps(artefact))
    written.replace(path)  # whole, for any other process reading it
    return path


ESTIMATORS = [
    TwoStageRegressor(
        RandomForestClassifier(n_estimators=5, random_state=0),
        RandomForestRegressor(n_estimators=5, random_state=0),
    ),
    EncoderRegressor(
        start=str(_two_element_encoder()), epochs=10, patience=10, batch_size=32, learning_rate=1e-2
    ),  # fmt: skip
]

#: checks that cannot apply, by estimator, with the reason (see the module docstring)
EXPECTED_FAILED: dict[type, dict[str, str]] = {
    TwoStageRegressor: {
        "check_regressors_train": "predicts at least `threshold` (0), the check's targets are "
        "half negative",
    },
    EncoderRegressor: {
        "check_estimators_dtypes": "integer-cast data has rows with no element (all amounts 0)",
    },
}


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda e: EXPECTED_FAILED[type(e)], xfail_strict=True
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_predict_before_fit_says_not_fitted(estimator):
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        clone(estimator).predict(np.ones((2, 3)))
