"""Shared fixtures: where the real data lives, and throw-away Kedro projects to run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = PROJECT_ROOT / "data" / "01_raw"
# CI and developers have ../shared beside the clone; ATOMDL_SHARED_DATA points elsewhere.
SHARED_DATA = Path(os.environ.get("ATOMDL_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
C2DB_EXPORT = SHARED_DATA / "c2db" / "c2db_table_export.csv"


def require_shared(path: Path, what: str) -> Path:
    """``path``, or a skip naming it when it is absent; under CI (which always has ../shared)
    its absence fails instead, so the real-data tests can never be skipped there unnoticed."""
    if path.exists():
        return path
    message = (
        f"{what}: not found at {path}; put ../shared beside the clone or set ATOMDL_SHARED_DATA "
        "(CONTRIBUTING.md, 'Test data from ../shared')"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must have it")
    pytest.skip(message)


#: what a Dask nanny writes into the environment of the process that starts it
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MALLOC_TRIM_THRESHOLD_")  # fmt: skip


@pytest.fixture(autouse=True)
def _thread_variables_kept():
    """A test that starts its own Dask cluster leaves OMP_NUM_THREADS=1 (and kin) in this
    process's environment; every later `kedro run` subprocess would then train on one thread
    (the README main-job test took 262 s in the suite against 175 s alone)."""
    before = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def c2db_export_path() -> Path:
    """The real C2DB export (users supply their own; the Janus tests need the real one)."""
    return require_shared(C2DB_EXPORT, "the C2DB export")


@pytest.fixture(scope="session")
def atom2vec_folder() -> Path:
    """The original Atom2Vec vectors (not redistributable; read from ../shared)."""
    return require_shared(SHARED_DATA / "atom2vec", "the original Atom2Vec vectors")


@pytest.fixture(scope="session")
def c2db_export(c2db_export_path) -> pd.DataFrame:
    return pd.read_csv(c2db_export_path, dtype=str, keep_default_na=False)


def new_project(project: Path, raw: dict[str, Path | pd.DataFrame]) -> Path:
    """A copy of this project's configuration at ``project`` with the given raw files.

    ``raw`` maps a file name in ``data/01_raw`` to a path to link or a DataFrame to write."""
    shutil.copytree(PROJECT_ROOT / "conf", project / "conf", ignore=shutil.ignore_patterns("local"))
    (project / "conf" / "local").mkdir()
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project)
    (project / "src").mkdir()  # the package itself is installed
    for layer in ("01_raw", "02_intermediate", "03_primary", "05_model_input", "08_reporting"):
        (project / "data" / layer).mkdir(parents=True)
    for name, content in raw.items():
        target = project / "data" / "01_raw" / name
        if isinstance(content, pd.DataFrame):
            content.to_csv(target, index=False)
        else:
            target.symlink_to(content)
    return project


def enter_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in ``project`` as under the ``kedro`` command, MLflow tracking to the project's own
    SQLite store, named by absolute path through ``MLFLOW_TRACKING_URI`` (MLflow caches stores
    by URI, so a relative URI would reach an earlier test's file)."""
    monkeypatch.chdir(project)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{project / 'mlflow.db'}")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    return project


@pytest.fixture
def make_project(tmp_path, monkeypatch):
    """A copy of this project's configuration in ``tmp_path`` with the given raw files
    (``new_project``), entered (``enter_project``)."""

    def make(raw: dict[str, Path | pd.DataFrame]) -> Path:
        return enter_project(new_project(tmp_path / "project", raw), monkeypatch)

    return make


def copy_project(source: Path, project: Path, leave_out: tuple[str, ...] = ()) -> Path:
    """A copy of a shared project's configuration and data at ``project`` (raw files still
    linked), without its MLflow store and the data folders named in ``leave_out`` (paths under
    ``data/``): a test adds its own runs to the copy, never to the shared project."""
    shutil.copytree(source, project, symlinks=True, ignore=shutil.ignore_patterns("mlflow.db*"))
    for folder in leave_out:
        shutil.rmtree(project / "data" / folder)
    return project


#: the raw files of the README's main job: the embedded data alone
def embedded_raw() -> dict[str, Path]:
    return {
        "oqmd_formulas.csv.gz": EMBEDDED / "oqmd_formulas.csv.gz",
        "matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv",
        "materials_to_predict.csv": EMBEDDED / "materials_to_predict.csv",
        "janus_to_predict.csv": EMBEDDED / "janus_to_predict.csv",
    }


@pytest.fixture(scope="session")
def readme_main_job(tmp_path_factory):
    """The README's main job, as a user types it (`kedro run --env cpu`), run once in a project
    with the embedded data alone (no C2DB export): the suite's one big run. Several tests
    assert on its outputs (the README job itself, pretraining on the CPU slice); they only read
    the project. Returns the project and the run's output (stdout + stderr)."""
    project = new_project(tmp_path_factory.mktemp("readme") / "project", embedded_raw())
    env = {**os.environ, "COLUMNS": "250", "DO_NOT_TRACK": "true",
           "MLFLOW_TRACKING_URI": f"sqlite:///{project / 'mlflow.db'}"}  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "kedro", "run", "--env", "cpu"], cwd=project,
                          capture_output=True, text=True, timeout=900, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return project, done.stdout + done.stderr


@pytest.fixture(scope="session")
def released_project(tmp_path_factory, c2db_export_path, atom2vec_folder):
    """ingestion, release, representations, embedding_analysis and featurization run once
    through one KedroSession on the real data (the embedded data, the C2DB export and the
    original Atom2Vec vectors). Tests assert on its outputs and only read it; a test that runs
    more copies it first (``copy_project``)."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    raw = embedded_raw() | {"c2db_table_export.csv": c2db_export_path, "atom2vec": atom2vec_folder}
    project = new_project(tmp_path_factory.mktemp("released") / "project", raw)
    pipelines = ["ingestion", "release", "representations", "embedding_analysis", "featurization"]
    with pytest.MonkeyPatch.context() as monkeypatch:
        enter_project(project, monkeypatch)
        bootstrap_project(project)
        params = {"embedding_analysis": {"mantel_permutations": 99}}
        with KedroSession.create(project_path=project, runtime_params=params) as session:
            session.run(pipeline_names=pipelines)
    return project


def run_kedro(project: Path, pipeline: str | None = None, env: str | None = None) -> None:
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=env) as session:
        session.run(pipeline_name=pipeline)


def latest_version(path: Path) -> Path:
    """The newest file of a versioned Kedro dataset stored at ``path``."""
    versions = sorted(path.iterdir())
    assert versions, f"no versions under {path}"
    return versions[-1] / path.name
