"""Two `kedro run` on one project: both finish, or the second refuses in one line naming the
run that holds the project; mlflow.db and the outputs stay intact (atomdl.runlock)."""

from __future__ import annotations

import os
import sqlite3
import subprocess

import pandas as pd
import pytest

from atomdl.runlock import project_run_lock
from tests.conftest import EMBEDDED

pytestmark = pytest.mark.integration

COMMAND = ["kedro", "run", "--nodes", "ingestion.parse_expt_gap_compositions"]
BUSY = "Error: another run is using this project"


def _env():
    return {k: v for k, v in os.environ.items() if k != "ATOMDL_TRACEBACK"}


def test_a_held_project_refuses_then_two_runs_started_together_on_it(make_project):
    """One fresh project: a run while another holds it refuses, naming the holder, before
    anything is touched; once the holder is gone, two runs started together both finish, or
    one refuses in one line (the lock went with its holder: at least one runs)."""
    project = make_project({"matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"})
    with project_run_lock(project, "kedro run --pipelines pretraining"):
        second = subprocess.run(COMMAND, cwd=project, env=_env(), capture_output=True, text=True)
    assert second.returncode == 1 and "Traceback" not in second.stderr
    message = second.stderr.strip().splitlines()[-1]
    assert message.startswith(f"{BUSY} (process {os.getpid()}, `kedro run --pipelines pretraining`")
    assert not (project / "mlflow.db").exists()  # refused before anything was touched

    # still a fresh project: no store, no outputs
    assert not list((project / "data" / "03_primary").iterdir())
    runs = [
        subprocess.Popen(COMMAND, cwd=project, env=_env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    results = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    finished = [code for code, _ in results if code == 0]
    for code, stderr in results:
        assert code == 0 or (code == 1 and BUSY in stderr), stderr
        assert "OperationalError" not in stderr and "Traceback" not in stderr
    assert finished, results  # the lock went with its holder

    with sqlite3.connect(project / "mlflow.db") as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        statuses = [s for (s,) in db.execute("select status from runs")]
    assert statuses == ["FINISHED"] * len(finished)
    table = pd.read_parquet(project / "data/03_primary/expt_gap_compositions.parquet")
    assert len(table) == 4604
