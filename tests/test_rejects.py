"""The one reject schema: every stage writes the same columns, empty where they do not apply."""

import pandas as pd
import pytest

from atomdl.rejects import REJECT_COLUMNS, reject_table


def test_a_reject_fills_what_it_names_and_leaves_the_rest_empty():
    table = reject_table("ingestion", [{"row": 3, "formula": "Xx2O", "reason": "unknown Xx"}])
    assert list(table.columns) == list(REJECT_COLUMNS)
    row = table.iloc[0]
    assert (row["stage"], row["row"], row["formula"], row["reason"]) == (
        "ingestion", 3, "Xx2O", "unknown Xx",
    )  # fmt: skip
    assert table[["material_id", "representation", "missing_elements"]].isna().all().all()


def test_reports_of_every_stage_concatenate_and_an_empty_one_keeps_its_columns():
    empty = reject_table("prediction")
    assert empty.empty and list(empty.columns) == list(REJECT_COLUMNS)
    featurized = reject_table(
        "featurization",
        [{"material_id": "7", "formula": "Te", "representation": "toy",
          "missing_elements": "Te", "reason": "toy lacks Te"}],
    )  # fmt: skip
    both = pd.concat([empty, featurized], ignore_index=True)
    assert both.dtypes.equals(featurized.dtypes) and both["stage"].tolist() == ["featurization"]


def test_a_reject_without_a_reason_or_with_an_unknown_column_is_refused():
    with pytest.raises(ValueError, match="must give a reason"):
        reject_table("ingestion", [{"row": 1}])
    with pytest.raises(ValueError, match="material"):
        reject_table("prediction", [{"material": "x", "reason": "r"}])
    with pytest.raises(ValueError, match="unknown stage"):
        reject_table("training", [])
