"""What a downstream model reads, as its registry entry declares (``ModelSpec.reads``): a
representation's element vectors, or the element amounts the fine-tuned encoder reads itself.

Each kind builds both tasks' tables (compositions; Janus M/X/Y + structure), so whatever
featurizes (the featurization pipeline, a predictor for new materials) calls the same builders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from atomdl.features.amounts import amounts_table, encoder_elements, janus_amounts_table
from atomdl.features.janus import janus_features
from atomdl.features.pooled import pooled_features
from atomdl.features.schema import AMOUNTS_TABLE, FeatureTable
from atomdl.models.registry import model_spec
from atomdl.representations import Representation

__all__ = ["ElementAmounts", "ElementVectors", "ModelInput", "model_input"]


@dataclass(frozen=True)
class ElementVectors:
    """A representation's vectors: pooled over a composition, or M, X, Y side by side."""

    representation: Representation

    @property
    def name(self) -> str:
        return self.representation.name

    def compositions(self, compositions: pd.DataFrame, **keywords) -> FeatureTable:
        return pooled_features(compositions, self.representation, **keywords)

    def janus(self, materials: pd.DataFrame, **keywords) -> FeatureTable:
        return janus_features(materials, self.representation, **keywords)


@dataclass(frozen=True)
class ElementAmounts:
    """The amounts of the encoder's elements (in its token order), read by the encoder."""

    elements: tuple[str, ...]
    name: ClassVar[str] = AMOUNTS_TABLE

    @classmethod
    def of_encoder(cls, release: str = "paper") -> ElementAmounts:
        return cls(tuple(encoder_elements(release)))

    def compositions(self, compositions: pd.DataFrame, **keywords) -> FeatureTable:
        return amounts_table(compositions, self.elements, **keywords)

    def janus(self, materials: pd.DataFrame, **keywords) -> FeatureTable:
        return janus_amounts_table(materials, self.elements, **keywords)


ModelInput = ElementVectors | ElementAmounts


def model_input(model: str, representation: Representation | None = None) -> ModelInput:
    """What ``model`` reads: the amounts for a model that reads them (no representation), else
    ``representation``'s vectors."""
    if model_spec(model).reads == "amounts":
        if representation is not None:
            raise ValueError(
                f"{model} reads element amounts, not the vectors of {representation.name!r}: "
                "pass no representation"
            )
        return ElementAmounts.of_encoder()
    if representation is None:
        raise ValueError(f"{model} reads element vectors: it needs a representation")
    return ElementVectors(representation)
