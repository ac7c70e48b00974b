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


def test_predicted_properties_sit_beside_the_vectors_and_a_lacking_element_is_set_aside():
    from atomdl.features import WithPredictedProperties
    from atomdl.pretraining import predict_properties
    from atomdl.pretraining.release import released_encoder
    from atomdl.representations import magpie

    compositions = pd.DataFrame(
        {
            "row": [0, 1, 2, 3],
            "formula": ["NaCl", "Fe2O3", "HeNa", "GaN"],  # the encoder has no He, Magpie has
            "elements": [["Na", "Cl"], ["Fe", "O"], ["He", "Na"], ["Ga", "N"]],
            "amounts": [[1.0, 1.0], [2.0, 3.0], [1.0, 1.0], [1.0, 1.0]],
            "target": [8.5, 2.2, 0.0, 3.4],
        }
    )
    source = model_input("gated_hgb", WithPredictedProperties(ElementVectors(magpie())))
    assert source.name == "magpie+oqmd"
    built = source.compositions(compositions)
    pooled = pooled_features(compositions, magpie()).table
    assert built.table["material_id"].tolist() == ["0", "1", "3"]
    properties = [c for c in built.table.columns if c.startswith("oqmd_")]
    assert list(built.table.columns) == [*pooled.columns, *properties] and len(properties) == 4
    pd.testing.assert_frame_equal(
        built.table[pooled.columns], pooled.iloc[[0, 1, 3]].reset_index(drop=True)
    )
    expected = predict_properties(released_encoder("property_aware"), ["NaCl", "Fe2O3", "GaN"])
    assert built.table[properties].to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-6)
    assert built.rejected[
        ["material_id", "representation", "missing_elements"]
    ].values.tolist() == [["2", "magpie+oqmd", "He"]]


def test_janus_materials_get_the_properties_of_their_mxy_formula(c2db_export):
    from atomdl.features import WithPredictedProperties
    from atomdl.materials.janus import clean_c2db_export, janus_table
    from atomdl.pretraining import predict_properties
    from atomdl.pretraining.release import released_encoder
    from atomdl.representations import atom_dl

    materials = janus_table(clean_c2db_export(c2db_export)).materials.iloc[:12]
    plain = ElementVectors(atom_dl()).janus(materials).table
    built = WithPredictedProperties(ElementVectors(atom_dl())).janus(materials)
    assert built.table["material_id"].tolist() == plain["material_id"].tolist()
    pd.testing.assert_frame_equal(built.table[plain.columns], plain)
    formulas = [f"{m}{x}{y}" for m, x, y in materials[["m", "x", "y"]].itertuples(index=False)]
    expected = predict_properties(released_encoder("property_aware"), formulas)
    assert built.table.filter(like="oqmd_").to_numpy() == pytest.approx(expected.to_numpy())
