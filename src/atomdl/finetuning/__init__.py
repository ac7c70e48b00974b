"""The pretrained encoder read as a model of one material, trained end to end on band gaps.

:class:`EncoderRegressor` is a scikit-learn regressor, so that the model-selection protocol
scores it on the same outer folds as RF, KRR and SVR. Its input is a composition table
(:func:`composition_features`: the amount of each of the encoder's elements, then any extra
features such as Janus structure features); each material is one sequence ``[CLS] elements
[SEP]`` with one position per element weighted by its amount (exactly the written-out formula,
see :meth:`atomdl.pretraining.AtomEncoder.encode`), and the head reads the amount-weighted mean
of the element positions, joined with the extra features. torch is imported on first use.
"""

__all__ = ["EncoderRegressor", "start_encoder"]


def __getattr__(name: str):
    if name in {"EncoderRegressor", "start_encoder"}:
        from atomdl.finetuning import estimator

        return getattr(estimator, name)
    raise AttributeError(f"module 'atomdl.finetuning' has no attribute {name!r}")
