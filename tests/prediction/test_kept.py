"""Fitted models kept by key: a kept fit is the same model and nothing is refitted; a changed
training table, chosen row, fit setting or fitting code refits, and the log says which."""

from __future__ import annotations

import logging
import subprocess
import sys

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from atomdl.prediction import fit_composition_predictor, fit_janus_predictor
from atomdl.prediction.kept import FittedModelStore, kept_fit, table_digest
from tests.prediction.test_predictor import KRR, _toy_compositions, _toy_representation

FORMULAS = ["KBr", "Li2S", "NaF", "CsF", "K(Br"]


def _fit(store, compositions=None, params=KRR, **keywords):
    compositions = _toy_compositions() if compositions is None else compositions
    return fit_composition_predictor(
        compositions, _toy_representation(), "krr", params, record={"task": "expt_gap"},
        store=store, n_splits=3, **keywords,
    )  # fmt: skip


def _no_fit(monkeypatch, *modules):
    def refuse(*args, **kwargs):
        raise AssertionError("a model was fitted although its fit is kept")

    for module, name in modules:
        monkeypatch.setattr(module, name, refuse)


def test_a_kept_fit_is_the_same_model_and_nothing_is_refitted(tmp_path, monkeypatch, caplog):
    from atomdl.prediction import composition

    caplog.set_level(logging.INFO)
    store = FittedModelStore(tmp_path / "store")
    first = _fit(store)
    assert first.record["fit"]["refitted"] is True
    assert "no fitted models for this key (none kept in" in caplog.text
    assert store.keep(kept_fit(first)) is True
    assert store.keep(kept_fit(first)) is False  # one file per key, written once
    assert sorted(p.suffix for p in (tmp_path / "store").iterdir()) == [".json", ".pkl"]

    _no_fit(monkeypatch, (composition, "fit_models"))
    caplog.clear()
    again = _fit(FittedModelStore(tmp_path / "store"))  # a new run: read from the folder
    assert again.record["fit"] == {**first.record["fit"], "refitted": False}
    assert "expt_gap: toy x krr: fitted models taken from" in caplog.text
    assert "nothing refitted" in caplog.text
    a, b = first.predict(FORMULAS), again.predict(FORMULAS)
    assert_frame_equal(a.table, b.table, check_exact=True)
    assert_frame_equal(a.rejected, b.rejected)
    assert_frame_equal(first.training, again.training, check_exact=True)


@pytest.mark.parametrize("change", ["training table", "chosen row", "fit settings", "code"])
def test_a_changed_input_refits_and_says_which(tmp_path, monkeypatch, caplog, change):
    from atomdl.prediction import kept

    store = FittedModelStore(tmp_path)
    store.keep(kept_fit(_fit(store)))
    compositions, params, keywords = _toy_compositions(), KRR, {}
    if change == "training table":
        compositions.loc[3, "target"] += 0.5
    elif change == "chosen row":
        params = {**KRR, "alpha": 1.0}
    elif change == "fit settings":
        keywords = {"seed": 1}
    else:  # an edit of the fitting code (another module counted as its source)
        monkeypatch.setattr(kept, "FIT_SOURCES", (*kept.FIT_SOURCES, "atomdl.prediction.base"))
    caplog.clear()
    caplog.set_level(logging.INFO)
    refitted = _fit(store, compositions, params, **keywords)
    assert refitted.record["fit"]["refitted"] is True
    assert f"no fitted models for this key ({change} changed since the closest kept fit" in (
        caplog.text
    )
    assert len(store.manifests()) == 1  # kept only when the node's output is saved


def test_a_damaged_kept_fit_is_refitted_with_a_warning(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    store = FittedModelStore(tmp_path)
    first = _fit(store)
    store.keep(kept_fit(first))
    (tmp_path / f"{first.record['fit']['key']}.pkl").write_bytes(b"not a pickle")
    again = _fit(store)
    assert again.record["fit"]["refitted"] is True
    assert "could not be read" in caplog.text and "the kept file could not be read" in caplog.text


def test_table_digests_are_the_same_in_another_process():
    """A key must match in the next run, not only in this process."""
    table = _toy_compositions().drop(columns=["elements", "amounts"])
    code = (
        "from tests.prediction.test_predictor import _toy_compositions\n"
        "from atomdl.prediction.kept import table_digest\n"
        "print(table_digest(_toy_compositions().drop(columns=['elements', 'amounts'])))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == table_digest(table)
    assert table_digest(table) != table_digest(table.assign(target=table["target"] + 1e-9))
    assert table_digest(table) == table_digest(pd.DataFrame(table.to_dict("list")))


def test_a_kept_janus_fit_takes_the_structures_and_the_classifier_too(
    janus_materials, janus_predictor, tmp_path, monkeypatch
):
    from atomdl.prediction import janus
    from atomdl.prediction.structures import JanusStructureModel
    from atomdl.representations import atom_dl

    grid = {"n_estimators": [50], "max_features": ["sqrt"]}
    params = {"alpha": 1.0, "coef0": 2.5, "degree": 2, "gamma": 0.15, "kernel": "poly"}
    store = FittedModelStore(tmp_path)
    store.keep(kept_fit(janus_predictor))  # the session's predictor, fitted without a store
    _no_fit(monkeypatch, (janus, "fit_models"), (janus, "gap_classifier"))
    monkeypatch.setattr(JanusStructureModel, "fit", None)
    again = fit_janus_predictor(
        janus_materials, atom_dl(), "krr", params, classifier_grid=grid, store=store
    )
    assert again.record["fit"]["refitted"] is False
    rows = pd.DataFrame(
        {"m": ["Mo", "W", "Zr"], "x": ["S", "Se", "S"], "y": ["Se", "Te", "Br"],
         "prototype": ["2H", "2H", "1T"]}
    )  # fmt: skip
    assert_frame_equal(
        janus_predictor.predict(rows).table, again.predict(rows).table, check_exact=True
    )


def test_the_screens_classifier_cv_is_kept_too(janus_materials, janus_predictor, tmp_path,
                                               monkeypatch, caplog):  # fmt: skip
    import atomdl.prediction
    from atomdl.parameters import Prediction
    from atomdl.pipelines.prediction import nodes

    caplog.set_level(logging.INFO)
    params = Prediction.model_validate(
        {"janus_classifier_grid": {"n_estimators": [10]},
         "janus_screening": {"outer": ["S", "Se"], "prototypes": ["2H"],
                             "classifier_cv": {"splits": 2, "repeats": 1, "seed": 0}}}
    )  # fmt: skip
    store = FittedModelStore(tmp_path)
    folds, kept = nodes._classifier_folds(janus_predictor, janus_materials, params, store)
    assert len(folds) == 2 and "no fitted models for this key (none kept" in caplog.text
    store.keep(kept)
    _no_fit(monkeypatch, (atomdl.prediction, "evaluate_gap_classifier"))
    again, _ = nodes._classifier_folds(janus_predictor, janus_materials, params, store)
    assert_frame_equal(folds, again, check_exact=True)
    repeated = params.model_copy(update={"janus_classifier_grid": {"n_estimators": [20]}})
    with pytest.raises(AssertionError, match="fitted although"):
        nodes._classifier_folds(janus_predictor, janus_materials, repeated, store)
    assert "fit settings changed since the closest kept fit" in caplog.text
