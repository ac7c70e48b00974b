"""MLflow runs whose process died without a word (``kill -9``) are closed by the next run of the
project, nested runs with them; runs that may be alive, or that nothing proves dead, are left
alone (``atomdl.tracking.dead_runs``, ``atomdl.hooks.mlflow_runs``)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import textwrap
import time

import pytest

from atomdl.tracking.dead_runs import FOUND_DEAD, close_dead_runs, process_tags
from tests.conftest import EMBEDDED

NODE = "ingestion.parse_expt_gap_compositions"


@pytest.fixture
def client(tmp_path):
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    client.create_experiment("dead-runs", artifact_location=str(tmp_path / "mlruns"))
    return client


def _gone_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_runs_of_dead_processes_are_closed_and_the_others_left_alone(client):
    experiment = client.get_experiment_by_name("dead-runs").experiment_id
    ours = process_tags()
    lock = "/projects/p/.atomdl-run.lock"

    def run(name, parent=None, **tags):
        if parent is not None:
            tags["mlflow.parentRunId"] = parent
        return client.create_run(experiment, run_name=name, tags=tags).info.run_id

    killed = run("killed", **{**ours, "atomdl.pid": str(_gone_pid()), "atomdl.pid_start": ""})
    started = client.get_run(killed).info.start_time
    client.log_metric(killed, "loss", 1.0, timestamp=started + 5000, step=1)
    nested = run("killed/unit", parent=killed)
    grandchild = run("killed/unit/inner", parent=nested)
    reused = run("pid reused", **{**ours, "atomdl.pid": str(os.getppid()), "atomdl.pid_start": "1"})
    rebooted = run("rebooted", **{**ours, "atomdl.boot_id": "another boot"})
    our_pid_reused = run("our pid, earlier", **{**ours, "atomdl.pid_start": "1"})
    locked = run("lost node", **{"atomdl.host": "elsewhere", "atomdl.pid": "1",
                                 "atomdl.run_lock": lock})  # fmt: skip
    alive = run("alive", **{**ours, "atomdl.pid": str(os.getppid()), "atomdl.pid_start": ""})
    alive_nested = run("alive/unit", parent=alive)
    elsewhere = run("other host", **{"atomdl.host": "elsewhere", "atomdl.pid": "1"})
    notebook = run("notebook")  # mlflow.start_run() of a notebook: no process tags
    own = run("this process", **ours)

    found = close_dead_runs(client, frozenset({lock}), by="run r1")

    assert set(found) == {killed, nested, grandchild, reused, rebooted, our_pid_reused, locked}
    for run_id in found:
        info = client.get_run(run_id)
        assert info.info.status == "KILLED" and info.info.end_time is not None
        assert "by run r1: " in info.data.tags[FOUND_DEAD]
    tags = {run_id: client.get_run(run_id).data.tags[FOUND_DEAD] for run_id in found}
    assert client.get_run(killed).info.end_time == started + 5000  # its last metric
    assert tags[killed].endswith("is gone") and f"on {ours['atomdl.host']}" in tags[killed]
    assert tags[nested].endswith(f"its parent run {killed} was found dead")
    assert "the pid is a later process's now" in tags[reused]
    assert "has booted since" in tags[rebooted]
    assert "run lock" in tags[locked]
    for run_id in (alive, alive_nested, elsewhere, notebook, own):
        info = client.get_run(run_id)
        assert info.info.status == "RUNNING" and FOUND_DEAD not in info.data.tags
    assert close_dead_runs(client, frozenset({lock})) == {}  # nothing twice


HANGING_DATASET = '''
import os
import time
from pathlib import Path

import mlflow
from kedro_datasets.pandas import ParquetDataset


class HangingDataset(ParquetDataset):
    """Opens a nested run (as model selection's units do), then hangs until killed."""

    def save(self, data):
        mlflow.start_run(run_name="unit", nested=True)
        Path(os.environ["HANG_MARKER"]).touch()
        time.sleep(300)
'''


def _runs(project):
    with sqlite3.connect(project / "mlflow.db") as db:
        runs = db.execute("select run_uuid, name, status from runs order by start_time").fetchall()
        tags = db.execute("select run_uuid, key, value from tags").fetchall()
    return runs, {(run, key): value for run, key, value in tags}


@pytest.mark.integration
def test_a_run_killed_outright_is_closed_by_the_next_run(make_project, tmp_path):
    project = make_project({"matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"})
    (project / "conf" / "hang").mkdir()
    (project / "conf" / "hang" / "catalog.yml").write_text(textwrap.dedent("""
        primary_expt_gap_compositions:
          type: hanging.HangingDataset
          filepath: data/03_primary/expt_gap_compositions.parquet
        """))  # fmt: skip
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "hanging.py").write_text(HANGING_DATASET)
    marker = tmp_path / "hanging"
    path = os.pathsep.join(p for p in (str(plugins), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "HANG_MARKER": str(marker), "COLUMNS": "300"}
    env.pop("ATOMDL_TRACEBACK", None)
    command = ["kedro", "run", "--nodes", NODE]

    hanging = subprocess.Popen([*command, "--env", "hang"], cwd=project, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert hanging.poll() is None and time.monotonic() < deadline, "never hung"
            time.sleep(0.2)
        runs, _ = _runs(project)
        assert [status for _, _, status in runs] == ["RUNNING", "RUNNING"]  # parent, nested
        os.kill(hanging.pid, signal.SIGKILL)
    finally:
        hanging.kill()
        hanging.wait()
    assert _runs(project)[0] == runs  # nothing closed them

    rerun = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    (parent, _, _), (unit, _, _), (new, _, status) = _runs(project)[0]
    statuses, tags = {run: status for run, _, status in _runs(project)[0]}, _runs(project)[1]
    assert statuses == {parent: "KILLED", unit: "KILLED", new: "FINISHED"}
    assert tags[(parent, "atomdl.pid")] == str(hanging.pid)
    assert tags[(parent, FOUND_DEAD)].endswith(
        f"by run {new}, process {tags[(new, 'atomdl.pid')]} on {tags[(new, 'atomdl.host')]}: "
        "its process held this project's run lock, which this run holds now"
    )
    assert tags[(unit, FOUND_DEAD)].endswith(f"its parent run {parent} was found dead")
    assert f"MLflow run {parent} (__default__) was left RUNNING" in rerun.stderr + rerun.stdout
