"""What a downstream model reads, as its registry entry declares (``ModelSpec.reads``): a
representation's element vectors (alone, or beside what the property-aware encoder predicts of
the material), or the element amounts the fine-tuned encoder reads itself.

Each kind builds both tasks' tables (compositions; Janus M/X/Y + structure), so whatever
featurizes (the featurization pipeline, a predictor for new materials) calls the same builders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from atomdl.features.amounts import amounts_table, encoder_elements, janus_amounts_table
from atomdl.features.janus import janus_features
from atomdl.features.pooled import pooled_features
from atomdl.features.schema import AMOUNT_PREFIX, AMOUNTS_TABLE, PROPERTIES_SUFFIX, FeatureTable
from atomdl.models.registry import model_spec
from atomdl.representations import Representation

__all__ = [
    "PROPERTIES_SUFFIX",
    "ElementAmounts",
    "ElementVectors",
    "ModelInput",
    "WithPredictedProperties",
    "model_input",
    "parse_input_name",
]


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


@dataclass(frozen=True)
class WithPredictedProperties:
    """A representation's features and, beside them, the property-aware encoder's predictions
    of the material's OQMD properties (formation enthalpy, PBE band gap, energy and volume per
    atom; ``oqmd_<property>``): what pretraining learnt of the material, as four features.

    The encoder was pretrained on OQMD's DFT values only, never on a task's targets, so the
    features are fixed before any fold is drawn: nothing of the rows they score is fitted into
    them. A material with an element the encoder lacks is set aside, as one the representation
    lacks."""

    vectors: ElementVectors
    release: str = "property_aware"

    @property
    def name(self) -> str:
        return f"{self.vectors.name}{PROPERTIES_SUFFIX}"

    def compositions(self, compositions: pd.DataFrame, **keywords) -> FeatureTable:
        amounts = amounts_table(compositions, encoder_elements(self.release), **keywords)
        return self._joined(self.vectors.compositions(compositions, **keywords), amounts)

    def janus(self, materials: pd.DataFrame, **keywords) -> FeatureTable:
        elements = encoder_elements(self.release)
        amounts = janus_amounts_table(materials, elements, keywords.get("target", "band_gap"))
        return self._joined(self.vectors.janus(materials, **keywords), amounts)

    def _joined(self, built: FeatureTable, amounts: FeatureTable) -> FeatureTable:
        from atomdl.pretraining.predict import predict_property_values
        from atomdl.pretraining.release import released_encoder

        encoder = released_encoder(self.release)
        columns = [c for c in amounts.table.columns if c.startswith(AMOUNT_PREFIX)]
        properties = pd.DataFrame(
            predict_property_values(encoder, amounts.table[columns].to_numpy(dtype=float))
            if len(amounts.table)
            else np.empty((0, len(encoder.config.properties))),
            columns=[f"oqmd_{name}" for name in encoder.config.properties],
            index=amounts.table["material_id"].astype(str),
        )
        ids = built.table["material_id"].astype(str)
        keep = ids.isin(properties.index).to_numpy()
        table = built.table.loc[keep].reset_index(drop=True)
        table = pd.concat([table, properties.loc[ids[keep]].reset_index(drop=True)], axis=1)
        lacking = amounts.rejected.assign(representation=self.name)
        lacking = lacking.loc[~lacking["material_id"].isin(built.rejected["material_id"])]
        rejected = pd.concat([built.rejected.assign(representation=self.name), lacking],
                             ignore_index=True)  # fmt: skip
        return FeatureTable(table, rejected)


ModelInput = ElementVectors | ElementAmounts | WithPredictedProperties


def parse_input_name(name: str) -> tuple[str, bool]:
    """(representation, with predicted properties) of a feature table's name."""
    if name.endswith(PROPERTIES_SUFFIX):
        return name[: -len(PROPERTIES_SUFFIX)], True
    return name, False


def model_input(
    model: str, representation: Representation | ModelInput | None = None
) -> ModelInput:
    """What ``model`` reads: the amounts for a model that reads them (no representation), else
    ``representation``'s vectors (or the vector input given, e.g. ``WithPredictedProperties``)."""
    if model_spec(model).reads == "amounts":
        if representation is not None:
            raise ValueError(
                f"{model} reads element amounts, not the vectors of {representation.name!r}: "
                "pass no representation"
            )
        return ElementAmounts.of_encoder()
    if representation is None:
        raise ValueError(f"{model} reads element vectors: it needs a representation")
    if isinstance(representation, ElementVectors | WithPredictedProperties):
        return representation
    if not isinstance(representation, Representation):
        raise TypeError(f"{model} reads element vectors, not {type(representation).__name__}")
    return ElementVectors(representation)
