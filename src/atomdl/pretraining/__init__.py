"""Tokenizer/vocabulary, sample building and masking, the encoder and its training loop.

The torch-based parts are imported on first use, so that importing the vocabulary (as every
``kedro`` command does) does not pay for torch.
"""

from atomdl.pretraining.vocabulary import SPECIAL_TOKENS, build_vocabulary

__all__ = [
    "SPECIAL_TOKENS",
    "AtomEncoder",
    "Corpus",
    "EncoderConfig",
    "NonFiniteLossError",
    "TrainingConfig",
    "build_vocabulary",
    "element_vectors",
    "encoder_artefact",
    "load_encoder",
    "release_info",
    "released_encoder",
    "released_vectors",
    "train",
]

_LAZY = {
    "AtomEncoder": "encoder",
    "EncoderConfig": "encoder",
    "element_vectors": "encoder",
    "encoder_artefact": "encoder",
    "load_encoder": "encoder",
    "Corpus": "samples",
    "NonFiniteLossError": "training",
    "TrainingConfig": "training",
    "train": "training",
    "release_info": "release",
    "released_encoder": "release",
    "released_vectors": "release",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"atomdl.pretraining.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'atomdl.pretraining' has no attribute {name!r}")
