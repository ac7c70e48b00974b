"""Feature tables: the right vectors in the right places, and nothing lost."""

import numpy as np
import pandas as pd
import pytest

from atomdl.features import (
    ID_COLUMNS,
    JANUS_STRUCTURE_COLUMNS,
    janus_features,
    pooled_features,
)
from atomdl.representations import Representation

VECTORS = Representation(
    "toy",
    pd.DataFrame(
        {"d0": [1.0, 3.0, 5.0, 7.0], "d1": [0.0, 10.0, 20.0, 40.0]},
        index=["Mo", "S", "Se", "Na"],
    ),
    "test",
)


def _janus(rows) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["uid", "formula", "m", "x", "y", "band_gap"])
    for i, column in enumerate(JANUS_STRUCTURE_COLUMNS):
        table[column] = 0.1 * i
    return table


def test_janus_features_are_m_x_y_vectors_then_structure():
    materials = _janus([("MoSSe-1", "MoSSe", "Mo", "S", "Se", 1.45)])
    result = janus_features(materials, VECTORS)
    row = result.table.iloc[0]
    assert list(result.table.columns[:3]) == list(ID_COLUMNS)
    assert row["material_id"] == "MoSSe-1" and row["target"] == 1.45
    assert [row["m__d0"], row["x__d0"], row["y__d0"]] == [1.0, 3.0, 5.0]
    assert [row["m__d1"], row["x__d1"], row["y__d1"]] == [0.0, 10.0, 20.0]
    assert row["structure__area"] == pytest.approx(0.9)
    assert result.features.shape == (1, 3 * 2 + len(JANUS_STRUCTURE_COLUMNS))
    assert result.rejected.empty


def test_a_janus_material_with_an_unknown_element_is_set_aside_with_its_reason():
    materials = _janus(
        [("MoSSe-1", "MoSSe", "Mo", "S", "Se", 1.45), ("WSTe-1", "WSTe", "W", "S", "Te", 1.1)]
    )
    result = janus_features(materials, VECTORS)
    assert result.table["material_id"].tolist() == ["MoSSe-1"]
    rejected = result.rejected.iloc[0]
    assert rejected["material_id"] == "WSTe-1" and rejected["missing_elements"] == "Te W"
    assert rejected["reason"] == "toy lacks Te W"


def test_janus_table_without_structure_columns_is_refused_by_name():
    with pytest.raises(KeyError, match="lacks the columns"):
        janus_features(_janus([]).drop(columns=["area"]), VECTORS)


def test_pooled_statistics_are_amount_weighted():
    compositions = pd.DataFrame(
        {
            "row": [0, 1],
            "formula": ["NaS", "Na3Se"],
            "elements": [["Na", "S"], ["Na", "Se"]],
            "amounts": [[1.0, 1.0], [3.0, 1.0]],
            "target": [2.0, 1.0],
        }
    )
    result = pooled_features(compositions, VECTORS)
    first, second = result.table.iloc[0], result.table.iloc[1]
    assert first["mean__d0"] == pytest.approx(5.0)  # (7 + 3) / 2
    assert second["mean__d0"] == pytest.approx(0.75 * 7 + 0.25 * 5)
    # mean 6.5: deviations 0.5 (weight 3/4) and 1.5 (weight 1/4)
    assert second["deviation__d0"] == pytest.approx(np.sqrt(0.75 * 0.5**2 + 0.25 * 1.5**2))
    assert second["min__d1"] == 20.0 and second["max__d1"] == 40.0
    assert second["range__d1"] == 20.0 and first["range__d0"] == 4.0
    assert result.features.shape == (2, 5 * 2)
    assert result.table["material_id"].tolist() == ["0", "1"]


def test_pooling_a_single_element_gives_zero_spread_and_rejects_are_reported():
    compositions = pd.DataFrame(
        {
            "row": [0, 1],
            "formula": ["Mo", "MoTe2"],
            "elements": [["Mo"], ["Mo", "Te"]],
            "amounts": [[1.0], [1.0, 2.0]],
            "target": [0.0, 1.0],
        }
    )
    result = pooled_features(compositions, VECTORS)
    row = result.table.iloc[0]
    assert row["deviation__d0"] == 0.0 and row["range__d1"] == 0.0 and row["mean__d0"] == 1.0
    assert result.rejected[["material_id", "missing_elements"]].values.tolist() == [["1", "Te"]]


def test_janus_features_on_the_real_export(c2db_export):
    from atomdl.materials.janus import clean_c2db_export, janus_table
    from atomdl.representations import atom_dl

    materials = janus_table(clean_c2db_export(c2db_export)).materials
    gapped = materials.loc[materials["has_gap"].astype(bool)]
    result = janus_features(gapped, atom_dl())
    assert len(result.table) == 93 and result.rejected.empty
    assert result.features.shape[1] == 3 * 16 + 10
    assert np.isfinite(result.features.to_numpy()).all()
    mosse = result.table.loc[result.table["formula"] == "MoSSe"]
    assert len(mosse) >= 1
    assert (result.table["target"] > 0).all()


def test_when_every_composition_is_set_aside_the_table_is_empty_not_broken():
    compositions = pd.DataFrame(
        {"row": [0], "formula": ["Te"], "elements": [["Te"]], "amounts": [[1.0]], "target": [0.3]}
    )
    result = pooled_features(compositions, VECTORS)
    assert result.table.empty and result.features.shape == (0, 5 * 2)
    assert result.rejected["missing_elements"].tolist() == ["Te"]
