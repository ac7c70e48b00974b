"""`kedro run` (atomdl.cli) from anywhere inside the project, and the expected errors it prints
in one line (exit status 1; `--verbose` keeps the traceback)."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from pathlib import Path

import click
import pandas as pd
import pytest
from kedro.io import AbstractDataset, DataCatalog
from kedro.pipeline import Pipeline, node

from atomdl import cli
from atomdl.cli import expected_error_message
from atomdl.errors import (
    ChangedOutputError,
    SchedulerUnreachableError,
    UnwritableOutputError,
)
from atomdl.hooks.outputs import WritableOutputsHooks
from tests.conftest import EMBEDDED

COMMAND = ["kedro", "run", "--nodes", "ingestion.parse_expt_gap_compositions"]


def _env(**changes):
    env = {k: v for k, v in os.environ.items() if k != "ATOMDL_TRACEBACK"}
    env.update(changes)
    return {k: v for k, v in env.items() if v is not None}


@pytest.mark.integration
def test_a_run_started_in_a_subdirectory_runs_at_the_project_root(make_project, c2db_export_path):
    project = make_project({"matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv",
                            "c2db_table_export.csv": c2db_export_path})  # fmt: skip
    notebooks = project / "notebooks"
    notebooks.mkdir()
    # mlflow.yml's own default, `sqlite:///mlflow.db`, relative to where the run works
    env = _env(MLFLOW_TRACKING_URI=None, COLUMNS="1000")  # rich wraps at 80 columns
    done = subprocess.run(COMMAND, cwd=notebooks, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert f"Running at the project root {project} (started in {notebooks})" in said
    assert "No C2DB export" not in said  # the export at the root is found: Janus nodes kept
    assert sorted(p.name for p in notebooks.iterdir()) == []  # no second mlflow.db, mlruns, data
    with sqlite3.connect(project / "mlflow.db") as db:
        assert [s for (s,) in db.execute("select status from runs")] == ["FINISHED"]
    assert (project / "data/03_primary/expt_gap_compositions.parquet").is_file()


@pytest.mark.integration
def test_an_output_folder_that_cannot_be_written_stops_the_run_before_any_work(make_project):
    project = make_project({"matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"})
    primary = project / "data" / "03_primary"
    primary.rmdir()
    primary.write_text("a file where the folder should be\n")
    done = subprocess.run(COMMAND, cwd=project, env=_env(), capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: This run cannot write to {primary} (a file where a folder should be), where it "
        "saves primary_expt_gap_compositions: move that file away (the run makes the folders it "
        "needs), or give those datasets another filepath in conf/local/catalog.yml"
    )
    assert not list((project / "data" / "08_reporting").iterdir())  # nothing else saved
    if (project / "mlflow.db").exists():  # kedro-mlflow opened no run
        with sqlite3.connect(project / "mlflow.db") as db:
            assert db.execute("select count(*) from runs").fetchone() == (0,)


def _one_output_pipeline(tmp_path):
    catalog = DataCatalog.from_config(
        {"table": {"type": "pandas.CSVDataset", "filepath": str(tmp_path / "out" / "t.csv")}}
    )
    return catalog, Pipeline([node(lambda: pd.DataFrame({"x": [1]}), None, "table")])


def test_a_folder_without_write_permission_is_refused_naming_it(tmp_path, monkeypatch):
    catalog, pipeline = _one_output_pipeline(tmp_path)
    denied = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != tmp_path and denied(p, mode))
    with pytest.raises(UnwritableOutputError) as caught:  # as root, chmod would not stop it
        WritableOutputsHooks().before_pipeline_run({"project_path": str(tmp_path)}, pipeline,
                                                   catalog)  # fmt: skip
    assert str(caught.value) == (
        f"This run cannot write to {tmp_path} (permission denied), where it saves table: make "
        f"it writable (`chmod u+w {tmp_path}`), or give those datasets another filepath in "
        "conf/local/catalog.yml"
    )
    monkeypatch.undo()
    WritableOutputsHooks().before_pipeline_run({"project_path": str(tmp_path)}, pipeline, catalog)


def test_the_unit_cache_folder_is_checked_too(tmp_path, monkeypatch):
    from kedro.io import MemoryDataset

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").write_text("a file where the folder should be\n")
    catalog = DataCatalog({"params:model_selection": MemoryDataset({"unit_cache": "data/units"})})
    pipeline = Pipeline([node(lambda p: None, "params:model_selection", None)])
    with pytest.raises(UnwritableOutputError) as caught:
        WritableOutputsHooks().before_pipeline_run({"project_path": str(tmp_path)}, pipeline,
                                                   catalog)  # fmt: skip
    assert str(caught.value) == (
        f"This run cannot write to {tmp_path / 'data'} (a file where a folder should be), where "
        "it saves model_selection.unit_cache: move that file away (the run makes the folders it "
        "needs), or set model_selection.unit_cache to another folder in "
        "conf/local/parameters.yml"
    )


class _DeniedDataset(AbstractDataset):
    """Saves and loads as a folder without permissions does (root is never denied)."""

    def __init__(self, filepath):
        self.filepath = filepath

    def load(self):
        raise PermissionError(errno.EACCES, "Permission denied", self.filepath)

    def save(self, data):
        raise PermissionError(errno.EACCES, "Permission denied", self.filepath)

    def _describe(self):
        return {"filepath": self.filepath}


def test_a_permission_denied_while_saving_is_one_line_naming_dataset_and_file(tmp_path):
    where = str(tmp_path / "t.csv")
    catalog = DataCatalog({"reporting_table": _DeniedDataset(where)})
    with pytest.raises(Exception) as caught:
        catalog.save("reporting_table", pd.DataFrame({"x": [1]}))
    assert expected_error_message(caught.value) == (
        f"reporting_table: cannot write {where} (Permission denied): make it (or its folder) "
        "writable, or give the dataset another filepath in conf/local/catalog.yml"
    )
    with pytest.raises(Exception) as caught:
        catalog.load("reporting_table")
    assert expected_error_message(caught.value) == (
        f"reporting_table: cannot read {where} (Permission denied): make it (or its folder) "
        "readable"
    )
    assert expected_error_message(RuntimeError("a bug")) is None


def test_a_file_where_an_output_folder_should_be_while_saving_is_one_line(tmp_path):
    (tmp_path / "out").write_text("in the way\n")
    catalog = DataCatalog.from_config({"primary_table": {
        "type": "pandas.ParquetDataset", "filepath": str(tmp_path / "out" / "t.parquet")}}
    )  # fmt: skip
    with pytest.raises(Exception) as caught:
        catalog.save("primary_table", pd.DataFrame({"x": [1]}))
    assert expected_error_message(caught.value) == (
        f"primary_table: cannot write {tmp_path / 'out'} (File exists): a file stands where a "
        "folder of that path should be: move it away, or give the dataset another filepath in "
        "conf/local/catalog.yml"
    )


@pytest.mark.parametrize(
    "error",
    [
        ChangedOutputError("x.csv does not match its manifest entry"),
        SchedulerUnreachableError("The Dask scheduler at tcp://h:1 does not answer"),
        UnwritableOutputError("This run cannot write to /x"),
        PermissionError(errno.EACCES, "Permission denied", "/x/t.csv"),
    ],
)
def test_each_expected_error_exits_1_in_one_line_and_verbose_keeps_it(
    error, make_project, monkeypatch
):
    make_project({})

    def failing(**kwargs):
        raise error

    monkeypatch.delenv("ATOMDL_TRACEBACK", raising=False)
    monkeypatch.setattr(cli._kedro_run, "callback", failing)
    with pytest.raises(click.ClickException) as caught:
        cli._run()
    assert caught.value.exit_code == 1 and "\n" not in caught.value.message
    assert caught.value.message == expected_error_message(error)
    with pytest.raises(type(error)):
        cli._run(verbose=True)


def test_outside_a_project_the_command_refuses_saying_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(click.ClickException, match="is not inside a Kedro project"):
        cli._run()
