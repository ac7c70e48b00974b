"""Compatibility: the old home of the encoder, kept so that what was pickled from it loads.

Stored encoders (the committed releases, MLflow models, checkpoints, fine-tuned estimators)
name ``atomdl.pretraining.encoder._from_artefact``; the code lives in
:mod:`atomdl.pretraining.model` (and the config in :mod:`atomdl.pretraining.config`).
"""

from atomdl.pretraining.config import EncoderConfig
from atomdl.pretraining.model import (
    ARTEFACT_FORMAT,
    AtomEncoder,
    PostLNBlock,
    _dropout,
    _from_artefact,
    _key_mask,
    encoder_artefact,
    load_encoder,
)
from atomdl.pretraining.predict import element_vectors

__all__ = [
    "ARTEFACT_FORMAT",
    "AtomEncoder",
    "EncoderConfig",
    "PostLNBlock",
    "_dropout",
    "_from_artefact",
    "_key_mask",
    "element_vectors",
    "encoder_artefact",
    "load_encoder",
]
