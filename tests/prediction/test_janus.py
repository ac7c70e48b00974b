"""Janus prediction and screening on the real C2DB export (skipped without it, saying why)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from atomdl.prediction import (
    JanusStructureModel,
    evaluate_gap_classifier,
    janus_candidates,
    rank_candidates,
    screening_heatmap,
)
from atomdl.prediction.screening import transition_metals


def test_structure_estimate_reproduces_known_lattice_constants(janus_materials):
    model = JanusStructureModel.fit(janus_materials)
    estimated = model.estimate(janus_materials[["m", "x", "y", "prototype"]])
    error = np.abs(estimated["lattice_constant"] - janus_materials["lattice_constant"])
    assert error.mean() < 0.1  # in-sample; 5-fold CV gives 0.09 / 0.12 A (docs/prediction.md)
    assert estimated["structure_estimate"].eq("element contributions").all()
    # the prototype's median cell height (C2DB's vacuum convention)
    assert np.allclose(estimated["cell_height"], janus_materials["cell_height"], atol=1.0)
    new = model.estimate(pd.DataFrame({"m": ["Pt"], "x": ["S"], "y": ["Se"], "prototype": ["1T"]}))
    assert new["structure_estimate"].iloc[0].startswith("covalent-radii fit")
    assert 3.0 < new["lattice_constant"].iloc[0] < 4.5


def test_janus_prediction_known_unseen_and_rejected(janus_predictor, janus_materials):
    inputs = pd.DataFrame(
        {
            "m": ["Mo", "Pt", "Mo", "Mo", None],
            "x": ["S", "S", "S", "Xq", None],
            "y": ["Se", "Se", "S", "Se", None],
            "prototype": ["2H", "1T", "2H", "2H", "3R"],
            "formula": [None, None, None, None, "WSSe"],
        }
    )
    prediction = janus_predictor.predict(inputs)
    reasons = prediction.rejected.set_index("row")["reason"]
    assert list(reasons.index) == [2, 3, 4]
    assert "three different elements" in reasons[2]
    assert "not element symbols: Xq" in reasons[3]
    assert "'3R'" in reasons[4]
    table = prediction.table.set_index("formula")
    known = janus_materials.query("m == 'Mo' and x == 'S' and y == 'Se' and prototype == '2H'")
    assert table.loc["MoSSe", "known_target"] == pytest.approx(known["band_gap"].iloc[0])
    assert np.isfinite(table.loc["MoSSe", "out_of_fold_prediction"])
    assert table.loc["PtSSe", "unseen_elements"] == "Pt" and not table.loc["PtSSe", "in_domain"]
    assert table["gap_probability"].between(0, 1).all()


def test_one_material_one_answer_whatever_order_its_sites_are_given_in(janus_predictor):
    """Mo,S,Se / Mo,Se,S / S,Mo,Se / MoSeS are MoSSe (ingestion's site rule); W,Se,S is WSSe."""
    inputs = pd.DataFrame(
        {
            "m": ["Mo", "Mo", "S", None, "W", "W"],
            "x": ["S", "Se", "Mo", None, "S", "Se"],
            "y": ["Se", "S", "Se", None, "Se", "S"],
            "formula": [None, None, None, "MoSeS", None, None],
            "prototype": ["2H"] * 6,
            "note": list("abcdef"),
        }
    )
    table = janus_predictor.predict(inputs).table
    assert list(table["formula"]) == ["MoSSe"] * 4 + ["WSSe"] * 2
    assert list(table["given_sites"]) == [
        "Mo,S,Se", "Mo,Se,S", "S,Mo,Se", "Mo,Se,S", "W,S,Se", "W,Se,S",
    ]  # fmt: skip
    assert list(table["note"]) == list("abcdef")  # the user's columns carried through
    answers = ["predicted_band_gap", "uncertainty", "in_domain", "known_target", "gap_probability"]
    for same in (table.iloc[:4], table.iloc[4:]):
        assert (same[["m", "x", "y"]].nunique() == 1).all()
        for column in answers:
            assert same[column].nunique(dropna=False) == 1, (column, same[column].tolist())
    assert table.loc[0, "in_domain"] and np.isfinite(table.loc[0, "known_target"])


def test_candidates_are_every_pair_and_prototype_less_the_known(janus_materials):
    candidates = janus_candidates(janus_materials)
    metals = transition_metals()
    outer = ("O", "S", "Se", "Te", "F", "Cl", "Br", "I")
    in_scope = janus_materials.loc[
        janus_materials["m"].isin(metals)
        & janus_materials["x"].isin(outer)
        & janus_materials["y"].isin(outer)
    ]
    assert len(metals) == 30
    assert len(candidates) == 30 * 28 * 2 - len(in_scope)
    keys = ["m", "x", "y", "prototype"]
    assert not candidates[keys].merge(janus_materials[keys]).shape[0]
    assert not candidates.duplicated(keys).any()
    assert set(candidates.loc[candidates["m_in_training"], "m"]) <= set(janus_materials["m"])
    assert "Pt" in set(candidates.loc[~candidates["m_in_training"], "m"])


class _Recorder:
    """A classifier that records the rows it is fitted on, and says 'gapped' at 0.5."""

    seen: list = []

    def fit(self, x, y):
        _Recorder.seen.append({tuple(row) for row in np.round(x, 12)})
        return self

    def predict_proba(self, x):
        return np.c_[np.full(len(x), 0.5), np.full(len(x), 0.5)]


def test_classifier_never_sees_the_outer_test_rows(janus_predictor, janus_materials):
    from atomdl.prediction import gap_table
    from atomdl.protocol.splits import MaterialKFold

    table, gapped, ids = gap_table(janus_materials, janus_predictor.inputs)
    features = table.to_numpy()
    assert gapped.sum() == 93 and len(ids) == 216
    _Recorder.seen = []
    folds = evaluate_gap_classifier(
        features,
        gapped,
        ids,
        n_splits=5,
        n_repeats=2,
        make_classifier=_Recorder,
    )
    assert len(folds) == 10 and len(_Recorder.seen) == 10
    for seen, (_, test) in zip(
        _Recorder.seen, MaterialKFold(5, 2, 0).split(groups=ids), strict=True
    ):
        assert not seen & {tuple(row) for row in np.round(features[test], 12)}
        assert len(seen) == len(ids) - len(test)


def test_screen_ranks_gapped_candidates_and_draws_the_heat_map(
    janus_predictor, janus_materials, tmp_path
):
    candidates = janus_candidates(
        janus_materials, metals=("Mo", "W", "Pt"), outer=("S", "Se", "Te", "Cl")
    )
    ranked = rank_candidates(janus_predictor.predict(candidates).table)
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert ranked.loc[~ranked["called_gapped"], "predicted_band_gap"].isna().all()
    trusted = ranked["called_gapped"] & ranked["in_domain"] & ranked["m_in_training"]
    assert trusted.is_monotonic_decreasing  # trusted candidates first
    gaps = ranked.loc[trusted, "predicted_band_gap"]
    assert gaps.is_monotonic_decreasing
    figure = screening_heatmap(ranked)
    figure.savefig(tmp_path / "heat.png")
    assert len(figure.axes) == 3  # two prototypes and the colour bar
    assert (tmp_path / "heat.png").read_bytes().startswith(b"\x89PNG")
