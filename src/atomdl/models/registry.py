"""The models of the downstream tasks, by name: what each reads and how it is built.

Importing this module is cheap (no scikit-learn, no torch): ``atomdl.parameters`` checks
model names against :data:`MODEL_NAMES` at the door. A model declares its input with
:attr:`ModelSpec.reads`: ``"vectors"`` (a feature table built from an element representation:
pooled vectors, or Janus site vectors and structure) or ``"amounts"`` (the material's element
amounts, which the fine-tuned encoder reads itself, with no representation between).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from atomdl.pretraining.release import RELEASES

__all__ = [
    "FINETUNE_MODELS",
    "MODELS",
    "MODEL_NAMES",
    "STARTS",
    "ModelSpec",
    "make_estimator",
    "model_spec",
]

Input = Literal["vectors", "amounts"]


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry. ``start``: the pretrained release a fine-tuned model starts from
    (``None`` for models that train from the features alone); it is what a unit of work of that
    model depends on beyond the code."""

    name: str
    reads: Input
    build: Callable[[int], object]  # seed -> the regressor (the pipeline's ``model`` step)
    scaled: bool = True  # a StandardScaler before the regressor
    start: str | None = None


def _mean(seed: int):
    from sklearn.dummy import DummyRegressor

    return DummyRegressor(strategy="mean")


def _forest(seed: int):
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(random_state=seed, n_jobs=1)


def _kernel_ridge(seed: int):
    from sklearn.kernel_ridge import KernelRidge

    return KernelRidge()


def _support_vectors(seed: int):
    from sklearn.svm import SVR

    return SVR()


def _boosting(seed: int):
    # early stopping off, so that a fit is a function of its grid point alone
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(random_state=seed, early_stopping=False)


def _two_stage(seed: int):
    # a forest classifier for "gap > 0", then a forest regressor for the materials it calls
    # gapped; grid keys ``classifier__...`` and ``regressor__...``
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    from atomdl.models.two_stage import TwoStageRegressor

    return TwoStageRegressor(
        RandomForestClassifier(random_state=seed, n_jobs=1),
        RandomForestRegressor(random_state=seed, n_jobs=1),
    )


def _gated_boosting(seed: int):
    # the two-stage model with gradient-boosted stages: a classifier for "gap > 0", then a
    # regressor on the gapped materials; early stopping off in both (a fit is a function of its
    # grid point); grid keys ``probability``, ``classifier__...``, ``regressor__...``
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    from atomdl.models.two_stage import TwoStageRegressor

    return TwoStageRegressor(
        HistGradientBoostingClassifier(random_state=seed, early_stopping=False),
        HistGradientBoostingRegressor(random_state=seed, early_stopping=False),
    )


def _fine_tuned(start: str) -> Callable[[int], object]:
    def build(seed: int):
        from atomdl.models.finetuned import EncoderRegressor

        return EncoderRegressor(start, random_state=seed)

    return build


#: the pretrained encoder a fine-tuned model starts from: a release, or random weights
STARTS = (*RELEASES, "random")

#: every model, in the order results tables list them
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("mean", "vectors", _mean),
        ModelSpec("rf", "vectors", _forest),
        ModelSpec("krr", "vectors", _kernel_ridge),
        ModelSpec("svr", "vectors", _support_vectors),
        ModelSpec("hgb", "vectors", _boosting),
        ModelSpec("two_stage", "vectors", _two_stage),
        ModelSpec("gated_hgb", "vectors", _gated_boosting),
        # the encoder fine-tuned end to end from each start: its first columns are atom counts,
        # and it standardises its extra features itself, so no scaler before it
        *(
            ModelSpec(f"finetune_{start}", "amounts", _fine_tuned(start), False, start)
            for start in STARTS
        ),
    )
}
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)
FINETUNE_MODELS: tuple[str, ...] = tuple(name for name, spec in MODELS.items() if spec.start)


def model_spec(model: str) -> ModelSpec:
    try:
        return MODELS[model]
    except KeyError:
        raise ValueError(f"unknown model {model!r}; known: {list(MODELS)}") from None


def make_estimator(model: str, seed: int = 0):
    """The model as a scikit-learn pipeline: ``scale`` (a StandardScaler, or passthrough where
    the model scales its own input) then ``model``, so grids address ``model__<param>``."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    spec = model_spec(model)
    scale = StandardScaler() if spec.scaled else "passthrough"
    return Pipeline([("scale", scale), ("model", spec.build(seed))])
