"""A pretraining run interrupted while saving its outputs loses nothing: the run is marked
KILLED, downstream reads stay on a complete version set, and the rerun saves the finished
training from its checkpoint without training again."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import textwrap

import pandas as pd
import pytest

from atomdl.pretraining import released_vectors
from tests.conftest import EMBEDDED

pytestmark = pytest.mark.integration

INTERRUPTING_DATASET = '''
import os
from pathlib import Path

from kedro_datasets.pandas import CSVDataset


class InterruptOnceDataset(CSVDataset):
    """Raises KeyboardInterrupt on its first save (as Ctrl-C there would), then saves."""

    def save(self, data):
        marker = Path(os.environ["INTERRUPT_MARKER"])
        if not marker.exists():
            marker.touch()
            raise KeyboardInterrupt("injected while saving")
        super().save(data)
'''

FAULT_ENV = {
    "catalog.yml": """
        reporting_pretraining_history:
          type: interrupt_once.InterruptOnceDataset
          filepath: data/08_reporting/pretraining_history.csv
          save_args: {index: false}
          versioned: true
          metadata: {atomdl: {version_set: pretraining}}
        """,
    "parameters_pretraining.yml": """
        pretraining:
          max_formulas: 300
          progress_bar: false
          encoder: {n_layers: 1}
          training: {epochs: 2, batch_size: 64}
          distributed: {nproc_per_node: 1}
        """,
}


def _versions(folder):
    return sorted(p.name for p in folder.iterdir())


def test_an_interrupted_save_is_finished_by_the_rerun_without_training(
    make_project, tmp_path, monkeypatch
):
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    oqmd = pd.read_csv(EMBEDDED / "oqmd_formulas.csv.gz", nrows=2000)
    expt_gap = EMBEDDED / "matbench_expt_gap.csv"
    project = make_project({"oqmd_formulas.csv.gz": oqmd, "matbench_expt_gap.csv": expt_gap})
    (project / "conf" / "fault").mkdir()
    for name, text in FAULT_ENV.items():
        (project / "conf" / "fault" / name).write_text(textwrap.dedent(text))
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "interrupt_once.py").write_text(INTERRUPTING_DATASET)
    monkeypatch.syspath_prepend(str(plugins))
    marker = tmp_path / "interrupted"
    monkeypatch.setenv("INTERRUPT_MARKER", str(marker))
    env = {**os.environ, "PYTHONPATH": str(plugins), "COLUMNS": "300"}
    data = project / "data"
    encoders = data / "06_models" / "atom_encoder.pkl"
    vectors = data / "07_model_output" / "atom_dl_vectors.csv"
    history = data / "08_reporting" / "pretraining_history.csv"
    checkpoints = data / "06_models" / "pretraining_checkpoints"

    # a complete set to begin with: the committed release (saved without interruption)
    marker.touch()
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env="fault") as session:
        session.run(pipeline_names=["ingestion", "release"])
    (released,) = _versions(encoders)
    marker.unlink()

    command = ["kedro", "run", "--pipelines", "pretraining", "--env", "fault"]
    interrupted = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    output = interrupted.stdout + interrupted.stderr
    assert interrupted.returncode == 130, output
    assert "marked KILLED" in output and "epoch 2/2" in output
    assert len(_versions(encoders)) == 2 and _versions(history) == [released]  # half saved
    assert len(list(checkpoints.glob("*.pt"))) == 1  # the finished training is kept

    # meanwhile, a reader gets the complete set, not the new encoder with the old vectors
    with KedroSession.create(project_path=project, env="fault") as session:
        catalog = session.load_context().catalog
        encoder = catalog.load("models_atom_encoder")
    pd.testing.assert_frame_equal(
        encoder.element_vectors(), released_vectors(), check_dtype=False, atol=1e-5
    )

    rerun = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    output = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, output
    assert "Resuming from" in output and "after epoch 2" in output
    assert "epoch 1/2" not in output and "epoch 2/2" not in output  # nothing trained again
    newest = {_versions(folder)[-1] for folder in (encoders, vectors, history)}
    assert len(newest) == 1 and newest != {released}  # one version string for the set
    assert not list(checkpoints.glob("*.pt"))  # removed once everything is saved

    with sqlite3.connect(project / "mlflow.db") as db:
        runs = db.execute("select run_uuid, status from runs order by start_time").fetchall()
        tags = dict(db.execute("select key, value from tags where run_uuid=?", (runs[-1][0],)))
    assert [status for _, status in runs] == ["FINISHED", "KILLED", "FINISHED"]
    assert tags["resumed_from_epoch"] == "2"
