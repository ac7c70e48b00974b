"""The element-amounts table the fine-tuned encoder reads (:func:`composition_features`: the
amount of each of the encoder's elements, then any extra features such as Janus structure
features). The encoder itself, ``EncoderRegressor``, is in :mod:`atomdl.models.finetuned`.
"""

from atomdl.finetuning.features import AMOUNT_PREFIX, composition_features

__all__ = ["AMOUNT_PREFIX", "composition_features"]
