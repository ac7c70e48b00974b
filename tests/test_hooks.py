"""The project's hooks on real Kedro catalogs and MLflow runs (no Kedro session)."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline

from atomdl.hooks import CloseMlflowRunHooks, VersionSetHooks


def _entries(tmp_path) -> dict:
    member = {"metadata": {"atomdl": {"version_set": "pretraining"}}, "versioned": True}
    return {
        "vectors": {
            "type": "atomdl.datasets.TrackedDataset",
            "dataset": {"type": "pandas.CSVDataset", "filepath": str(tmp_path / "v.csv")},
            **member,
        },
        "history": {"type": "pandas.CSVDataset", "filepath": str(tmp_path / "h.csv"), **member},
    }


def _save(conf: dict, version: str, names: list[str]) -> None:
    catalog = DataCatalog.from_config(conf, save_version=version)
    for name in names:
        catalog.save(name, pd.DataFrame({"version": [version]}))


def test_an_incomplete_version_set_is_read_at_its_newest_complete_version(tmp_path, caplog):
    conf = _entries(tmp_path)
    _save(conf, "2026-01-01T00.00.00.000Z", ["vectors", "history"])
    _save(conf, "2026-01-02T00.00.00.000Z", ["vectors"])  # interrupted before the history
    catalog = DataCatalog.from_config(conf, save_version="2026-01-03T00.00.00.000Z")
    hooks = VersionSetHooks()
    hooks.after_catalog_created(catalog, conf, "2026-01-03T00.00.00.000Z", {})
    assert catalog.load("vectors")["version"].tolist() == ["2026-01-01T00.00.00.000Z"]
    assert "incomplete after 2026-01-02T00.00.00.000Z (history lack it" in caplog.text
    # a run that writes the vectors reads back what it writes, not the pinned version
    writes = Pipeline([Node(lambda x: x, "history", "vectors", name="write")])
    hooks.before_pipeline_run(writes, catalog)
    assert catalog.load("vectors")["version"].tolist() == ["2026-01-02T00.00.00.000Z"]


def test_a_catalog_loaded_outside_a_run_is_pinned_at_its_own_save_version(tmp_path):
    conf = _entries(tmp_path)
    _save(conf, "2026-01-01T00.00.00.000Z", ["vectors", "history"])
    _save(conf, "2026-01-02T00.00.00.000Z", ["vectors"])
    catalog = DataCatalog.from_config(conf)  # as a notebook's load_context() makes it
    catalog.get("history")  # materialized at the catalog's save version
    VersionSetHooks().after_catalog_created(catalog, conf, None, {})
    assert catalog.load("vectors")["version"].tolist() == ["2026-01-01T00.00.00.000Z"]


def test_a_complete_set_or_chosen_load_versions_are_left_alone(tmp_path):
    conf = _entries(tmp_path)
    _save(conf, "2026-01-01T00.00.00.000Z", ["vectors", "history"])
    _save(conf, "2026-01-02T00.00.00.000Z", ["vectors"])
    catalog = DataCatalog.from_config(conf, save_version="2026-01-03T00.00.00.000Z")
    VersionSetHooks().after_catalog_created(
        catalog, conf, "2026-01-03T00.00.00.000Z", {"vectors": "2026-01-02T00.00.00.000Z"}
    )
    assert catalog.load("vectors")["version"].tolist() == ["2026-01-02T00.00.00.000Z"]


class _StartedRun:
    def __init__(self, run_id):
        self.run_id = run_id


@pytest.fixture
def tracking(tmp_path):
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("hooks-test")
    yield mlflow
    while mlflow.active_run() is not None:
        mlflow.end_run()


def test_every_stacked_copy_of_the_started_run_is_closed(tracking):
    closer = CloseMlflowRunHooks(_StartedRun(None))
    closer.after_context_created()
    run = tracking.start_run()
    closer._mlflow_hook.run_id = run.info.run_id
    tracking.start_run(run_id=run.info.run_id, nested=True)  # kedro-mlflow re-enters per node
    closer.on_pipeline_error()
    assert tracking.active_run() is None
    assert tracking.get_run(run.info.run_id).info.status == "FAILED"


def test_a_run_the_caller_opened_is_the_callers_to_close(tracking):
    run = tracking.start_run()
    closer = CloseMlflowRunHooks(_StartedRun(run.info.run_id))
    closer.after_context_created()
    closer.after_pipeline_run()
    assert tracking.active_run().info.run_id == run.info.run_id
