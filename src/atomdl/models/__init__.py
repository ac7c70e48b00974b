"""The downstream models: the registry (what each reads, how it is built)."""

from atomdl.models.registry import FINETUNE_MODELS, MODEL_NAMES, MODELS, ModelSpec, make_estimator

__all__ = ["FINETUNE_MODELS", "MODEL_NAMES", "MODELS", "ModelSpec", "make_estimator"]
