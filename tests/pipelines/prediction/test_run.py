"""The prediction pipeline run in a throw-away project on toy inputs: the user's table is
checked before any model is fitted, and a run writes its outputs as one set or none."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_kedro
from tests.pipelines.prediction.test_nodes import RESULTS
from tests.prediction.test_predictor import _toy_compositions, _toy_representation

NODES = ["prediction.check_expt_gap_materials_to_predict", "prediction.predict_expt_gap_band_gaps"]
#: the set, as the catalog writes it (versioned files) and its served model (MLflow)
SET_FILES = {
    "predictions": "data/07_model_output/expt_gap_band_gap_predictions.csv",
    "rejects": "data/08_reporting/expt_gap_prediction_rejects.csv",
    "predictor": "data/06_models/expt_gap_band_gap_predictor.pkl",
}


def _toy_project(make_project, to_predict: pd.DataFrame) -> Path:
    """A project with a toy results table, representation and training table saved."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    project = make_project({"materials_to_predict.csv": to_predict})
    bootstrap_project(project)
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        catalog.save("primary_expt_gap_compositions", _toy_compositions())
        catalog.save("feature_element_representations", {"toy": _toy_representation()})
        catalog.save("selection_expt_gap_results", RESULTS)
    return project


def _run(project: Path) -> None:
    from kedro.framework.session import KedroSession

    with KedroSession.create(project_path=project) as session:
        session.run(pipeline_name="prediction", node_names=NODES)


def _versions(project: Path, name: str) -> list[str]:
    folder = project / SET_FILES[name]
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _logged_models(project: Path) -> list[tuple[str, str]]:
    """(model name, status of its run) of every model logged in the project's store."""
    with sqlite3.connect(project / "mlflow.db") as db:
        return db.execute(
            "select m.name, r.status from logged_models m join runs r on m.source_run_id = "
            "r.run_uuid"
        ).fetchall()


def test_the_check_nodes_come_before_any_fit():
    """Kedro runs a pipeline by its topological groups: the checks, which read only the
    user's table, are in the first; every fit takes a check's output."""
    from atomdl.pipelines import prediction

    pipeline = prediction.create_pipeline()
    first = {node.name for node in pipeline.grouped_nodes[0]}
    assert first == {
        "prediction.check_janus_materials_to_predict",
        "prediction.check_expt_gap_materials_to_predict",
    }
    for task in ("janus", "expt_gap"):
        (fit,) = [n for n in pipeline.nodes if n.name == f"prediction.predict_{task}_band_gaps"]
        assert f"prediction_{task}_materials_to_predict" in fit.inputs
        assert fit.outputs[-1] == f"prediction_{task}_band_gap_pyfunc"  # saved last
        assert fit.outputs[0] == f"prediction_{task}_fitted_models"  # not in the set


def test_a_table_without_formula_is_refused_before_any_fit(make_project, monkeypatch):
    """In seconds, naming the dataset and the file; nothing fitted (the fit fails the test)."""
    from atomdl.cli import expected_error_message
    from atomdl.pipelines.prediction import nodes

    project = _toy_project(make_project, pd.DataFrame({"name": ["GaN"], "note": ["x"]}))

    def no_fit(*args, **kwargs):
        raise AssertionError("a model was fitted for a table that cannot be predicted")

    monkeypatch.setattr(nodes, "fit_predictor", no_fit)
    with pytest.raises(Exception) as caught:
        _run(project)
    message = expected_error_message(caught.value)
    assert message is not None, caught.value  # one line, no traceback, from the CLI
    assert "raw_expt_gap_to_predict" in message
    assert "data/01_raw/materials_to_predict.csv: no 'formula' column" in message
    assert not _versions(project, "predictions") and not _versions(project, "predictor")


def test_a_janus_table_without_sites_or_formula_is_refused_at_load(tmp_path):
    from atomdl.datasets import BadInputFileError, RawTableDataset

    path = tmp_path / "janus_to_predict.csv"
    pd.DataFrame({"m": ["Mo"], "prototype": ["2H"]}).to_csv(path, index=False)
    with pytest.raises(BadInputFileError, match="no 'm', 'x', 'y' columns and no 'formula'"):
        RawTableDataset(str(path), "janus_to_predict").load()


@pytest.mark.parametrize("fails", ["rejects", "served model"])
def test_a_failed_prediction_run_leaves_no_part_of_its_set(
    make_project, monkeypatch, caplog, fails
):
    """The reject report cannot be written (its folder is a file), or logging the served
    model fails: no predictions, reject report or predictor version of this run is left, and
    no model is logged; the run before it stays whole."""
    project = _toy_project(make_project, pd.DataFrame({"formula": ["KBr", "K(Br"]}))
    run_kedro(project, "prediction")  # a whole set first: it must survive the failed run
    before = {name: _versions(project, name) for name in SET_FILES}
    assert all(len(v) == 1 for v in before.values()) and len(_logged_models(project)) == 1
    if fails == "rejects":
        # the disk fills up while the reject report is saved (a folder that cannot be written
        # is refused before any work: atomdl.hooks.outputs)
        from kedro_datasets.pandas import CSVDataset

        save = CSVDataset.save

        def disk_full(self, data):
            if "prediction_rejects" in str(self._filepath):
                raise OSError(errno.ENOSPC, "No space left on device", str(self._filepath))
            return save(self, data)

        monkeypatch.setattr(CSVDataset, "save", disk_full)
    else:
        from atomdl.prediction import served

        def broken(*args, **kwargs):
            raise RuntimeError("the MLflow store went away")

        monkeypatch.setattr(served, "log_band_gap_model", broken)
    with pytest.raises(Exception, match="No space left on device|the MLflow store went away"):
        _run(project)
    after = {name: _versions(project, name) for name in SET_FILES}
    assert after == before
    removed = "prediction_expt_gap_band_gap_predictions"
    if fails == "served model":
        removed += ", prediction_expt_gap_band_gap_predictor, reporting_expt_gap_prediction_rejects"
    assert f"removed what this run saved of it: {removed}" in caplog.text
    models = _logged_models(project)
    assert len(models) == 1 and models[0][1] == "FINISHED"  # the first run's, no other


def test_a_second_prediction_run_takes_the_kept_fit(make_project, monkeypatch, caplog):
    """The first run fits and keeps the fit in the store; the next fits nothing (the fit
    fails the test) and predicts the same, as a new version of the whole set."""
    import logging

    from atomdl.prediction import composition

    caplog.set_level(logging.INFO)
    project = _toy_project(make_project, pd.DataFrame({"formula": ["KBr", "NaF", "K(Br"]}))
    _run(project)
    store = project / "data/06_models/fitted_models/expt_gap"
    assert sorted(p.suffix for p in store.iterdir()) == [".json", ".pkl"]
    assert "no fitted models for this key (none kept in" in caplog.text

    def no_fit(*args, **kwargs):
        raise AssertionError("refitted although the fit is kept")

    monkeypatch.setattr(composition, "fit_models", no_fit)
    caplog.clear()
    _run(project)
    assert "expt_gap: toy x krr: fitted models taken from" in caplog.text
    assert all(len(_versions(project, name)) == 2 for name in SET_FILES)
    first, second = (
        pd.read_csv(project / SET_FILES["predictions"] / v / "expt_gap_band_gap_predictions.csv")
        for v in _versions(project, "predictions")
    )
    pd.testing.assert_frame_equal(first, second)
    assert len(list(store.iterdir())) == 2  # still the one kept fit
