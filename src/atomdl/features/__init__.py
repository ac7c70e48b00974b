"""Material features for the downstream tasks (paper section 4; Kedro-free), in one place.

* Compositions (Matbench ``expt_gap``): amount-weighted pooled element vectors (``pooled``).
* Janus MXY monolayers: the vectors of M, X and Y, then the structure features (``janus``).
* The element amounts the fine-tuned encoder reads, which is no representation (``amounts``).

What a model reads comes from its registry entry (``model_input``). Every table leads with
``ID_COLUMNS``; a material whose elements are lacking is set aside in the one reject schema
(``atomdl.rejects``), its missing elements named.
"""

from atomdl.features.amounts import amounts_table, encoder_elements, janus_amounts_table
from atomdl.features.inputs import (
    PROPERTIES_SUFFIX,
    ElementAmounts,
    ElementVectors,
    ModelInput,
    WithPredictedProperties,
    model_input,
    parse_input_name,
)
from atomdl.features.janus import janus_features, require_janus_columns
from atomdl.features.pooled import pooled_features
from atomdl.features.schema import (
    AMOUNT_PREFIX,
    AMOUNTS_TABLE,
    ID_COLUMNS,
    JANUS_SITES,
    JANUS_STRUCTURE_COLUMNS,
    POOLING_STATISTICS,
    FeatureTable,
)

__all__ = [
    "AMOUNTS_TABLE",
    "AMOUNT_PREFIX",
    "ID_COLUMNS",
    "JANUS_SITES",
    "JANUS_STRUCTURE_COLUMNS",
    "POOLING_STATISTICS",
    "ElementAmounts",
    "ElementVectors",
    "PROPERTIES_SUFFIX",
    "WithPredictedProperties",
    "parse_input_name",
    "FeatureTable",
    "ModelInput",
    "amounts_table",
    "encoder_elements",
    "janus_amounts_table",
    "janus_features",
    "model_input",
    "pooled_features",
    "require_janus_columns",
]
