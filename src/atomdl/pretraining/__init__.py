"""Tokenizer/vocabulary, sample building and masking, the encoder and its training loop."""

from atomdl.pretraining.vocabulary import SPECIAL_TOKENS, build_vocabulary

__all__ = ["SPECIAL_TOKENS", "build_vocabulary"]
