"""Featurization nodes: a table per chosen input, the predicted-properties tables beside them."""

from __future__ import annotations

import pytest

from atomdl.parameters import Featurization
from tests.prediction.test_predictor import _toy_compositions


def test_predicted_properties_add_a_table_per_named_representation():
    from atomdl.pipelines.featurization.nodes import featurize_expt_gap
    from atomdl.representations import magpie, published

    representations = {"magpie": magpie(), "oliynyk": published("oliynyk")}
    params = {"representations": ["magpie", "oliynyk"], "predicted_properties": ["oliynyk"],
              "fine_tuning_input": False}  # fmt: skip
    tables, rejected = featurize_expt_gap(_toy_compositions(), representations, params)
    assert list(tables) == ["expt_gap__magpie", "expt_gap__oliynyk", "expt_gap__oliynyk+oqmd"]
    plain, with_properties = tables["expt_gap__oliynyk"], tables["expt_gap__oliynyk+oqmd"]
    assert list(with_properties.columns[: plain.shape[1]]) == list(plain.columns)
    assert with_properties.shape == (len(plain), plain.shape[1] + 4) and rejected.empty
    with pytest.raises(KeyError, match="skipatom"):
        featurize_expt_gap(_toy_compositions(), representations,
                           {**params, "predicted_properties": ["skipatom"]})  # fmt: skip


def test_a_misspelt_predicted_properties_name_fails_with_the_parameters():
    from atomdl.errors import BadParametersError
    from atomdl.parameters import validate_parameters

    with pytest.raises(BadParametersError, match="featurization.predicted_properties: 'magpy'"):
        validate_parameters({"featurization": {"predicted_properties": ["magpy"]}})
    validate_parameters(
        {
            "featurization": {"predicted_properties": ["magpie"]},
            "prediction": {
                "tasks": {"expt_gap": {"representation": "magpie+oqmd"}},
                "janus_screening": {"outer": ["S"], "prototypes": ["2H"]},
            },
        }
    )
    assert Featurization.model_validate({}).predicted_properties == []
