"""The project's MLflow store before kedro-mlflow opens it: a corrupt ``mlflow.db`` is one line
naming it and what to do; a copied project's store is rebased onto the copy's own ``mlruns/``,
so the copy is independent (``atomdl.tracking.store``, ``atomdl.hooks.mlflow_store``)."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from atomdl.tracking.store import (
    BadTrackingStoreError,
    check_store,
    rebase_copied_store,
    sqlite_path,
)
from tests.conftest import EMBEDDED

NODE = "ingestion.parse_expt_gap_compositions"


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory):
    """A real MLflow store made in its folder (as `kedro run` makes it) with a run and a logged
    model (made once: MLflow's migrations take a second)."""
    import mlflow

    folder = tmp_path_factory.mktemp("store")
    before = os.getcwd()
    os.chdir(folder)  # MLflow roots the default artifact location at the working directory
    try:
        client = mlflow.MlflowClient(f"sqlite:///{folder / 'mlflow.db'}")
        experiment = client.create_experiment("store-test")
        run = client.create_run(experiment)
        client.create_logged_model(experiment, source_run_id=run.info.run_id)
        client.set_tag(run.info.run_id, "elsewhere", "/data/mlruns/kept")
    finally:
        os.chdir(before)
    return folder / "mlflow.db"


def test_sqlite_paths_are_read_as_sqlalchemy_reads_them(tmp_path):
    assert sqlite_path("sqlite:///mlflow.db", cwd=tmp_path) == tmp_path / "mlflow.db"
    assert sqlite_path("sqlite:////abs/m.db?timeout=20") == Path("/abs/m.db")
    assert sqlite_path("http://127.0.0.1:5000") is None
    assert sqlite_path(None) is None


def test_a_corrupt_store_is_refused_naming_it_and_a_sound_one_passes(mlflow_store, tmp_path):
    check_store(mlflow_store)
    check_store(tmp_path / "absent.db")  # MLflow makes it
    (tmp_path / "empty.db").touch()
    check_store(tmp_path / "empty.db")

    text = tmp_path / "text.db"
    text.write_text("not a database\n")
    overwritten = tmp_path / "overwritten.db"
    shutil.copy(mlflow_store, overwritten)
    with open(overwritten, "r+b") as file:
        file.seek(8192)  # past the header: pages of the tables
        file.write(b"\xff" * 16384)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("create table notes (text)")
    for path, problem in [
        (text, "SQLite cannot read it: file is not a database"),
        (overwritten, "SQLite finds it damaged: *** in database main *** Page"),
        (other, "it is an SQLite database, but not an MLflow store"),
    ]:
        with pytest.raises(BadTrackingStoreError) as raised:
            check_store(path)
        message = str(raised.value)
        assert message.startswith(f"the MLflow store {path} is not usable ({problem}")
        assert f"Move it aside (`mv {path} {path}.bad`)" in message and "\n" not in message


def _paths(store) -> dict[str, list[str]]:
    with sqlite3.connect(store) as db:
        return {
            "experiments": [v for (v,) in db.execute("select artifact_location from experiments")],
            "runs": [v for (v,) in db.execute("select artifact_uri from runs")],
            "logged_models": [
                v for (v,) in db.execute("select artifact_location from logged_models")
            ],
            "tags": [v for (v,) in db.execute("select value from tags where key = 'elsewhere'")],
        }


def test_a_moved_store_is_rebased_onto_its_folder_and_others_are_left_alone(mlflow_store, tmp_path):
    origin = mlflow_store.parent
    made = _paths(mlflow_store)
    assert all(v.startswith(f"{origin}/mlruns/") for k in ("experiments", "runs", "logged_models")
               for v in made[k])  # fmt: skip
    moved = tmp_path / "moved" / "mlflow.db"
    moved.parent.mkdir()
    shutil.copy(mlflow_store, moved)
    with sqlite3.connect(moved) as db:  # MLflow may store a location as a file: URI too
        db.execute("update runs set artifact_uri = 'file://' || artifact_uri")

    assert rebase_copied_store(moved, project=tmp_path / "elsewhere") is None  # not the project's
    assert rebase_copied_store(moved, project=origin.parent) is None  # made inside the project
    assert rebase_copied_store(moved) == str(origin)
    rebased = _paths(moved)
    here = moved.parent.resolve()
    assert rebased == {
        "experiments": [v.replace(str(origin), str(here)) for v in made["experiments"]],
        "runs": ["file://" + v.replace(str(origin), str(here)) for v in made["runs"]],
        "logged_models": [v.replace(str(origin), str(here)) for v in made["logged_models"]],
        "tags": ["/data/mlruns/kept"],
    }
    assert _paths(mlflow_store) == made
    assert rebase_copied_store(moved) is None  # once


@pytest.mark.integration
def test_a_corrupt_store_stops_kedro_run_in_one_line(make_project):
    project = make_project({"matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"})
    (project / "mlflow.db").write_text("a text file where the store was\n")
    env = {k: v for k, v in os.environ.items() if k != "ATOMDL_TRACEBACK"}
    result = subprocess.run(["kedro", "run", "--nodes", NODE], cwd=project, env=env,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: the MLflow store {project / 'mlflow.db'} is not usable (SQLite cannot read it: "
        "file is not a database). Move it aside (`mv mlflow.db mlflow.db.bad`) and run again to "
        "start a new store, or put back a backup of it; a new store has none of the earlier "
        "runs' records (parameters, metrics, statuses), while their files in mlruns/ and every "
        "output in data/ are kept"
    )
    assert (project / "mlflow.db").read_text() == "a text file where the store was\n"
    assert not list((project / "data" / "03_primary").iterdir())  # no work done
    verbose = subprocess.run(["kedro", "run", "--nodes", NODE, "--verbose"], cwd=project,
                             env=env, capture_output=True, text=True)  # fmt: skip
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr
    assert "BadTrackingStoreError: the MLflow store" in verbose.stderr


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _locations(store) -> list[str]:
    with sqlite3.connect(store) as db:
        return [
            *(v for (v,) in db.execute("select artifact_location from experiments")),
            *(v for (v,) in db.execute("select artifact_uri from runs")),
        ]


def _files(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.integration
def test_a_copied_project_keeps_its_runs_to_itself(make_project, tmp_path, monkeypatch):
    import mlflow
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    def run(project):
        monkeypatch.chdir(project)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{project / 'mlflow.db'}")
        bootstrap_project(project)
        with KedroSession.create(project_path=project) as session:
            session.run(node_names=[NODE])
        run_id = mlflow.last_active_run().info.run_id
        mlflow.MlflowClient().log_text(run_id, run_id, "probe.txt")  # an artifact of the run
        return run_id

    original = make_project({"matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"})
    first = run(original)
    copy = tmp_path / "copy"
    shutil.copytree(original, copy, symlinks=True)
    locations, files = _locations(original / "mlflow.db"), _files(original / "mlruns")
    assert all(location.startswith(f"{original}/mlruns/") for location in locations)

    warnings = _Records()  # Kedro's logging configuration replaces caplog's handler
    logging.getLogger("atomdl.tracking.store").addHandler(warnings)
    try:
        second = run(copy)
    finally:
        logging.getLogger("atomdl.tracking.store").removeHandler(warnings)
    (warning,) = warnings.messages
    assert warning.startswith(f"This project's mlflow.db was made in {original} (a copy or a move")
    assert f"now point into {copy.resolve()}/mlruns, so this project's runs" in warning
    assert _locations(original / "mlflow.db") == locations  # the original untouched
    assert _files(original / "mlruns") == files
    rebased = _locations(copy / "mlflow.db")
    assert rebased == [loc.replace(str(original), str(copy.resolve())) for loc in locations] + [
        f"{copy.resolve()}/mlruns/{rebased[1].split('/')[-1]}/{second}/artifacts"
    ]
    assert (copy / "mlruns").joinpath(rebased[1].split("/")[-1], second, "artifacts",
                                      "probe.txt").read_text() == second  # fmt: skip
    assert any((copy / "mlruns").rglob(f"{first}/artifacts/probe.txt"))  # the copied runs' files
    assert rebase_copied_store(copy / "mlflow.db", project=copy) is None  # once
