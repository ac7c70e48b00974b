"""Configuration: conf/base, then the --env folder, then conf/local (atomdl.config); a mistake in
it is one line naming the file, the parameter or the environment."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

import pytest
import yaml
from kedro.framework.startup import bootstrap_project

from atomdl.errors import MissingInputError
from tests.conftest import EMBEDDED

LOCAL_PARAMETERS = {"prediction": {"uncertainty_folds": 7}}  # conf/cpu says 3, conf/base 5
LOCAL_CATALOG = {"raw_matbench_expt_gap": {"type": "pandas.CSVDataset", "filepath": "mine.csv"}}
LOCAL_MLFLOW = {"server": {"mlflow_tracking_uri": "sqlite:///local.db"}}


class _Logged(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _write(path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))


def _context(project, env=None, runtime_params=None):
    from kedro.framework.session import KedroSession

    session = KedroSession.create(project_path=project, env=env, runtime_params=runtime_params)
    return session.load_context()


@pytest.mark.parametrize("env", [None, "cpu", "base"])
def test_conf_local_applies_last_under_every_env(make_project, env):
    project = make_project({})
    bootstrap_project(project)  # Kedro's logging set up, then ours to read what is logged
    logged = _Logged()
    logging.getLogger("atomdl.config").addHandler(logged)
    local = project / "conf" / "local"
    _write(local / "parameters.yml", LOCAL_PARAMETERS)
    _write(local / "catalog.yml", LOCAL_CATALOG)
    _write(local / "mlflow.yml", LOCAL_MLFLOW)
    _write(local / "credentials.yml", {"db": {"user": "me"}})  # only conf/local has credentials

    context = _context(project, env=env)
    loader = context.config_loader
    assert context.params["prediction"]["uncertainty_folds"] == 7
    if env == "cpu":  # the other keys of conf/cpu's block still apply (soft merge)
        assert context.params["prediction"]["janus_screening"]["classifier_cv"]["repeats"] == 1
    assert loader["catalog"]["raw_matbench_expt_gap"] == LOCAL_CATALOG["raw_matbench_expt_gap"]
    assert loader["mlflow"]["server"] == LOCAL_MLFLOW["server"]  # mlflow.yml: top keys replaced
    assert loader["credentials"] == {"db": {"user": "me"}}
    folders = ["conf/base", *(["conf/cpu"] if env == "cpu" else []), "conf/local"]
    logging.getLogger("atomdl.config").removeHandler(logged)
    assert [m for m in logged.messages if m.startswith("Configuration read from")] == [
        f"Configuration read from {', then '.join(folders)} (each folder overrides the ones "
        "before it; --params overrides them all)"
    ]

    with_params = _context(
        project, env=env, runtime_params={"prediction": {"uncertainty_folds": 9}}
    )
    assert with_params.params["prediction"]["uncertainty_folds"] == 9  # --params wins over all


def test_a_project_without_conf_local_reads_base_alone(make_project):
    project = make_project({})
    (project / "conf" / "local").rmdir()
    bootstrap_project(project)
    context = _context(project)
    assert context.params["prediction"]["uncertainty_folds"] == 5
    assert (
        context.config_loader["mlflow"]["server"]["mlflow_tracking_uri"]
        == os.environ["MLFLOW_TRACKING_URI"]
    )  # base's mlflow.yml read, not kedro-mlflow's defaults


def test_an_env_without_a_folder_is_named_with_the_ones_there_are(make_project):
    from atomdl.config import BadConfigError

    project = make_project({})
    bootstrap_project(project)
    with pytest.raises(BadConfigError) as caught:
        _context(project, env="cpuu")
    assert str(caught.value) == (
        "--env cpuu: there is no configuration folder conf/cpuu; the environments in conf are "
        "base, cpu, local, matbench, property_aware"
    )


YAML_MISTAKES = [
    (
        "local/parameters.yml",
        "prediction:\n  seed: [0\n  uncertainty_folds: 3\n",
        "3, column 20: did not find expected ',' or ']' (while parsing a flow sequence that "
        "starts at line 2)",
    ),
    (
        "cpu/parameters_prediction.yml",
        "prediction:\n\tseed: 1\n",
        "2, column 1: found character that cannot start any token (a tab: YAML indents with "
        "spaces)",
    ),
    (
        "local/mlflow.yml",
        "server:\n  a: 1\n  a: 2\n",
        "3, column 3: found duplicate key a (while constructing a mapping that starts at line 2)",
    ),
    (
        "base/catalog.yml",
        "x:\n  type: 'pandas.CSVDataset\n",
        "3, column 1: found unexpected end of stream (while scanning a quoted scalar that starts "
        "at line 2)",
    ),
]


@pytest.mark.parametrize(("file", "text", "where"), YAML_MISTAKES)
def test_a_yaml_error_is_one_line_naming_the_file_line_and_column(make_project, file, text, where):
    from atomdl.cli import expected_error_message
    from atomdl.config import BadConfigError

    project = make_project({})
    bootstrap_project(project)
    _write(project / "conf" / file, text)
    with pytest.raises(BadConfigError) as caught:
        _context(project, env="cpu").catalog  # noqa: B018 (the catalog reads catalog.yml)
    message = expected_error_message(caught.value)
    assert message == (
        f"Bad YAML in conf/{file}, line {where}; fix the file (or move it aside) and run again"
    )


def test_a_key_set_by_two_files_of_one_folder_is_one_line(make_project):
    from atomdl.config import BadConfigError

    project = make_project({})
    bootstrap_project(project)
    _write(project / "conf" / "local" / "parameters.yml", {"prediction": {"seed": 1}})
    _write(project / "conf" / "local" / "parameters_prediction.yml", {"prediction": {"seed": 2}})
    with pytest.raises(BadConfigError) as caught:
        _context(project, env="cpu")
    files = ("conf/local/parameters.yml", "conf/local/parameters_prediction.yml")
    assert str(caught.value) in [
        f"Duplicate keys found in {first} and {second}: prediction.seed: one folder may set a "
        "key in one file only; keep one of them"
        for first, second in (files, files[::-1])  # Kedro's order of the two varies
    ]


def test_the_missing_datasets_command_keeps_the_run_s_options(make_project):
    from kedro.framework.session import KedroSession

    project = make_project({})
    bootstrap_project(project)
    params = {
        "model_selection": {"parallel": {"n_jobs": 2}},
        "featurization": {"representations": ["magpie"]},
    }
    with KedroSession.create(project_path=project, env="cpu", runtime_params=params) as session:
        with pytest.raises(MissingInputError) as caught:
            session.run(pipeline_names=["embedding_analysis"])
    assert str(caught.value).splitlines()[-1] == (
        "run `kedro run --pipelines ingestion,release,representations,embedding_analysis --env cpu "
        "--params 'model_selection.parallel.n_jobs=2,featurization.representations=[\"magpie\"]'`"
    )
    other = project / "my_conf"
    shutil.copytree(project / "conf", other)
    with KedroSession.create(project_path=project, conf_source=str(other)) as session:
        with pytest.raises(MissingInputError) as caught:
            session.run(pipeline_names=["representations"])
    assert str(caught.value).splitlines()[-1] == (
        f"run `kedro run --pipelines ingestion,release,representations --conf-source {other}`"
    )


def test_kedro_run_env_cpu_refuses_a_misspelt_name_in_conf_local_at_once(make_project):
    """The README's main command reads conf/local, says so, and checks the prediction names
    with the other parameters: one message, exit 1, nothing made."""
    project = make_project({"matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"})
    _write(
        project / "conf" / "local" / "parameters.yml",
        {"prediction": {"tasks": {"janus": {"representation": "magpy"}}}},
    )
    env = {k: v for k, v in os.environ.items() if k != "ATOMDL_TRACEBACK"}
    env["COLUMNS"] = "400"  # rich's log lines unwrapped
    command = ["kedro", "run", "--env", "cpu", "--nodes", "ingestion.parse_expt_gap_compositions"]
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "Configuration read from conf/base, then conf/cpu, then conf/local (" in output
    lines = done.stderr.splitlines()
    start = lines.index("Error: Bad parameters (conf/*/parameters_*.yml or --params):")
    assert lines[start + 1].startswith(
        "prediction.tasks.janus.representation = 'magpy': not a representation that "
        "featurization makes; allowed: best, atom_dl, "
    )
    assert not list((project / "data" / "03_primary").iterdir())
