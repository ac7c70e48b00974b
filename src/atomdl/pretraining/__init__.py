"""The atom encoder and its pretraining: vocabulary and tokenizer, samples and masking, the
model, its losses, the training loop, and the one entry point of a run (:mod:`.run`).

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
    "Pretrained",
    "Tokenizer",
    "TrainingConfig",
    "build_vocabulary",
    "element_vectors",
    "encoder_artefact",
    "load_encoder",
    "predict_properties",
    "predict_property_values",
    "pretrain",
    "release_info",
    "released_encoder",
    "released_vectors",
    "train",
]

_LAZY = {
    "AtomEncoder": "model",
    "EncoderConfig": "config",
    "TrainingConfig": "config",
    "Tokenizer": "tokenizer",
    "element_vectors": "predict",
    "predict_properties": "predict",
    "predict_property_values": "predict",
    "encoder_artefact": "model",
    "load_encoder": "model",
    "Corpus": "samples",
    "NonFiniteLossError": "losses",
    "train": "trainer",
    "Pretrained": "run",
    "pretrain": "run",
    "release_info": "release",
    "released_encoder": "release",
    "released_vectors": "release",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"atomdl.pretraining.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'atomdl.pretraining' has no attribute {name!r}")
