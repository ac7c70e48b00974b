"""What a trained encoder gives: its element vectors, and its property heads' predictions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from atomdl.pretraining.model import AtomEncoder, _from_artefact, encoder_artefact, load_encoder
from atomdl.pretraining.tokenizer import Tokenizer

__all__ = ["element_vectors", "predict_properties", "predict_property_values"]


def element_vectors(source: str | Path | dict | AtomEncoder, tokens: Sequence[str] | None = None):
    """The element-vector table of an encoder, a stored encoder or its artefact (see
    :meth:`AtomEncoder.element_vectors`); ``tokens`` for an encoder built without them."""
    model = load_encoder(source)
    if tokens is not None:
        model = _from_artefact(encoder_artefact(model, tokens))
    return model.element_vectors()


def predict_properties(encoder: AtomEncoder, formulas: Sequence[str]) -> pd.DataFrame:
    """The property heads' predictions for formulas, each read alone (``[CLS] formula [SEP]``,
    one position per element, see :meth:`AtomEncoder.encode`), in the properties' own units;
    one row per formula."""
    _check_heads(encoder)
    amounts = Tokenizer(encoder.tokens).formula_amounts(formulas)
    values = predict_property_values(encoder, amounts)
    return pd.DataFrame(
        values, index=pd.Index(list(formulas), name="formula"), columns=encoder.config.properties
    )


@torch.no_grad()
def predict_property_values(encoder: AtomEncoder, amounts: np.ndarray) -> np.ndarray:
    """As :func:`predict_properties`, for materials given as amounts of the encoder's elements
    (rows x elements, in its token order); one column per property."""
    config = _check_heads(encoder)
    tokenizer = Tokenizer(encoder.tokens)
    tokens, counts = (torch.from_numpy(a) for a in tokenizer.sequences(amounts))
    atoms = tokenizer.atom_weights(tokens, counts)
    pools = (atoms / atoms.sum(dim=1, keepdim=True))[:, None, :]
    was_training = encoder.training
    encoder.eval()
    *_, standardised = encoder(tokens, torch.zeros_like(tokens), formula_pools=pools, counts=counts)
    encoder.train(was_training)
    values = standardised[:, 0].double().numpy() * np.asarray(config.property_scales)
    return values + np.asarray(config.property_means)


def _check_heads(encoder: AtomEncoder):
    config = encoder.config
    if not config.properties or not config.property_scales:
        raise ValueError("this encoder has no trained property heads")
    return config
