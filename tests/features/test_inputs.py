"""What a model reads comes from its registry entry: vectors of a representation, or amounts."""

import pandas as pd
import pytest

from atomdl.features import (
    AMOUNTS_TABLE,
    ElementAmounts,
    ElementVectors,
    amounts_table,
    encoder_elements,
    model_input,
    pooled_features,
)
from tests.features.test_featurization import VECTORS

COMPOSITIONS = pd.DataFrame(
    {
        "row": [0, 1],
        "formula": ["NaS", "Na3Og"],
        "elements": [["Na", "S"], ["Na", "Og"]],
        "amounts": [[1.0, 1.0], [3.0, 1.0]],
        "target": [2.0, 1.0],
    }
)


def test_a_model_that_reads_amounts_gets_the_encoders_elements_and_no_representation():
    source = model_input("finetune_random")
    assert isinstance(source, ElementAmounts) and source.name == AMOUNTS_TABLE == "composition"
    assert list(source.elements) == encoder_elements()
    built = source.compositions(COMPOSITIONS)
    expected = amounts_table(COMPOSITIONS, encoder_elements())
    pd.testing.assert_frame_equal(built.table, expected.table)
    assert built.rejected[
        ["material_id", "representation", "missing_elements"]
    ].values.tolist() == [["1", "composition", "Og"]]
    assert built.rejected["reason"].tolist() == ["the encoder's vocabulary lacks Og"]
    with pytest.raises(ValueError, match="reads element amounts"):
        model_input("finetune_paper", VECTORS)


def test_a_model_that_reads_vectors_pools_its_representation():
    source = model_input("krr", VECTORS)
    assert isinstance(source, ElementVectors) and source.name == "toy"
    pd.testing.assert_frame_equal(
        source.compositions(COMPOSITIONS).table, pooled_features(COMPOSITIONS, VECTORS).table
    )
    with pytest.raises(ValueError, match="needs a representation"):
        model_input("rf")
    with pytest.raises(ValueError, match="unknown model"):
        model_input("gpr", VECTORS)
