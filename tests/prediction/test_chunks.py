"""Predictions in chunks (bounded memory) are the one pass's answers, row for row: the same rows
in the same order, the same rejects numbered in the whole input, the same flags and known
targets, whatever the chunk size and wherever its boundaries fall."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from atomdl.prediction import fit_composition_predictor, predict_band_gaps
from atomdl.representations import Representation

KRR = {"kernel": "rbf", "alpha": 0.1, "gamma": 0.01}
SYMBOLS = ["Li", "Na", "K", "Cs", "F", "Cl", "Br", "O", "S"]  # no Rb: a row with Rb is rejected


@pytest.fixture(scope="module")
def predictor():
    vectors = pd.DataFrame(np.random.default_rng(0).normal(size=(len(SYMBOLS), 4)), index=SYMBOLS)
    rng = np.random.default_rng(1)
    rows = []
    for i in range(45):  # Li/Na/K with F/Cl/Br/O/S; no Cs in training: CsF is flagged
        metal, anion = ["Li", "Na", "K"][i % 3], ["F", "Cl", "Br", "O", "S"][(i // 3) % 5]
        amounts = [1.0 + (i % 4), 1.0 + (i // 15)]
        formula = f"{metal}{amounts[0]:g}{anion}{amounts[1]:g}"
        rows.append((i, formula, [metal, anion], amounts, rng.uniform(0, 5)))
    training = pd.DataFrame(rows, columns=["row", "formula", "elements", "amounts", "target"])
    return fit_composition_predictor(
        training, Representation("toy", vectors, "tests"), "krr", KRR, n_splits=3
    )


#: good rows, a training formula (known target), an unseen element, a bad formula, an element
#: the representation lacks, an empty cell, and a formula asked twice far apart
FORMULAS = ["KBr", "Li1F1", "CsF", "Xx2O", "NaCl", "RbCl", "", "K(Br", "Li2S", "Na2O",
            "RbF", "KBr", "CsCl", "Li3S1"]  # fmt: skip


def _materials() -> pd.DataFrame:
    return pd.DataFrame({"formula": FORMULAS, "note": [f"n{i}" for i in range(len(FORMULAS))]})


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 13, 14, 100])
def test_chunked_predictions_equal_the_one_pass(predictor, chunk_size):
    whole = predictor.predict(_materials(), chunk_size=None)
    chunked = predictor.predict(_materials(), chunk_size=chunk_size)
    assert_frame_equal(chunked.table, whole.table)
    assert_frame_equal(chunked.rejected, whole.rejected)
    assert list(whole.rejected["row"]) == [3, 5, 6, 7, 10]  # numbered in the whole input
    assert_frame_equal(
        predict_band_gaps(_materials(), predictor, chunk_size),
        predict_band_gaps(_materials(), predictor, None),
    )
    table = whole.table.set_index("row")
    assert np.isfinite(table.loc[1, "known_target"]) and np.isnan(table.loc[2, "known_target"])
    assert table.loc[2, "unseen_elements"] == "Cs" and not table.loc[2, "in_domain"]


def test_a_chunk_of_rejected_rows_only(predictor):
    """Chunks of 2 at rows 2-3 and 6-7 hold nothing to predict; a last chunk of one bad row."""
    formulas = ["KBr", "NaCl", "Xx", "RbCl", "LiF", "KCl", "", "K(Br", "Na2S", "Rb2O"]
    whole = predictor.predict(formulas, chunk_size=None)
    chunked = predictor.predict(formulas, chunk_size=2)
    assert_frame_equal(chunked.table, whole.table)
    assert_frame_equal(chunked.rejected, whole.rejected)
    assert list(chunked.table["row"]) == [0, 1, 4, 5, 8]
    assert list(chunked.rejected["row"]) == [2, 3, 6, 7, 9]
    assert list(predict_band_gaps(formulas, predictor, 2)["row"]) == list(range(10))


def test_every_row_rejected_or_none_given(predictor):
    for formulas in (["Xx", "RbCl", "", "K(Br", "RbF"], []):
        whole = predictor.predict(formulas, chunk_size=None)
        chunked = predictor.predict(formulas, chunk_size=2)
        assert chunked.table.empty and list(chunked.table.columns) == list(whole.table.columns)
        assert_frame_equal(chunked.rejected, whole.rejected)


def test_a_formula_asked_in_two_chunks_gets_one_answer(predictor):
    got = predictor.predict(["KBr", "NaCl", "LiF", "Li1F1", "KBr"], chunk_size=2).table
    answers = ["predicted_band_gap", "uncertainty", "known_target", "out_of_fold_prediction"]
    assert_frame_equal(
        got.loc[got["formula"] == "KBr", answers].reset_index(drop=True),
        got.loc[[0], answers].iloc[[0, 0]].reset_index(drop=True),
    )
    assert got.loc[2, "known_target"] == got.loc[3, "known_target"]  # LiF is Li1F1, a training row


def test_a_bad_chunk_size_and_a_table_without_formulas_are_refused(predictor):
    with pytest.raises(ValueError, match="chunk_size"):
        predictor.predict(["KBr"], chunk_size=0)
    with pytest.raises(ValueError, match="'formula' column"):
        predictor.predict(pd.DataFrame({"composition": ["KBr"] * 5}), chunk_size=2)


def test_the_served_model_predicts_in_chunks(predictor, monkeypatch):
    from atomdl.prediction import base
    from atomdl.prediction.served import BandGapModel

    monkeypatch.setattr(base, "CHUNK_SIZE", 3)
    calls = []
    one_pass = base.BandGapPredictor._predict_chunk
    monkeypatch.setattr(
        base.BandGapPredictor,
        "_predict_chunk",
        lambda self, m, *a: calls.append(len(m)) or one_pass(self, m, *a),
    )
    answer = BandGapModel(predictor).predict(None, _materials())
    assert max(calls) == 3
    expected = predict_band_gaps(_materials(), predictor, None)
    assert_frame_equal(
        answer, expected.astype({c: "object" for c in expected.select_dtypes("string")})
    )


def test_the_pipeline_parameter_reaches_predict(predictor):
    import yaml

    from atomdl.parameters import Prediction
    from atomdl.pipelines.prediction.nodes import predict_materials
    from tests.conftest import PROJECT_ROOT

    base = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_prediction.yml").read_text())
    assert Prediction.model_validate(base["prediction"]).chunk_size == 10_000
    unchunked = {**base["prediction"], "chunk_size": None}
    assert Prediction.model_validate(unchunked).chunk_size is None
    with pytest.raises(ValueError, match="chunk_size"):
        Prediction.model_validate({**base["prediction"], "chunk_size": 0})
    table, rejects = predict_materials(predictor, _materials(), 4)
    whole = predictor.predict(_materials(), chunk_size=None)
    assert_frame_equal(table, whole.table) and assert_frame_equal(rejects, whole.rejected)


def test_janus_chunks_equal_the_one_pass(janus_predictor):
    inputs = pd.DataFrame(
        {
            "m": ["Mo", "Pt", "Mo", "W", None, "Mo", "W", "Mo"],
            "x": ["S", "S", "S", "Se", None, "Se", "S", "S"],
            "y": ["Se", "Se", "S", "S", None, "S", "Te", "Se"],
            "prototype": ["2H", "1T", "2H", "2H", "3R", "2H", "2H", "2H"],
            "formula": [None, None, None, None, "WSSe", None, None, None],
        }
    )
    whole = janus_predictor.predict(inputs, chunk_size=None)
    for chunk_size in (1, 3):
        chunked = janus_predictor.predict(inputs, chunk_size=chunk_size)
        assert_frame_equal(chunked.table, whole.table)
        assert_frame_equal(chunked.rejected, whole.rejected)
    assert list(whole.rejected["row"]) == [2, 4]
