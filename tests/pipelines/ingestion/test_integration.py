"""Ingestion through a KedroSession, on the real embedded data and the shared C2DB export."""

import os
import sqlite3
import subprocess

import mlflow
import pandas as pd
import pytest

from atomdl.errors import MissingInputError, MissingUserDataError
from tests.conftest import EMBEDDED, embedded_raw, latest_version, run_kedro

pytestmark = pytest.mark.integration

OQMD_ROWS = 341_700


def _mlflow_runs(project, nested: bool = False):
    """(name, status) of the top-level runs, or of the runs nested in them."""
    with sqlite3.connect(project / "mlflow.db") as db:
        return db.execute(
            "select name, status from runs where run_uuid "
            + ("in" if nested else "not in")
            + " (select run_uuid from tags where key = 'mlflow.parentRunId')"
        ).fetchall()


def test_ingestion_of_the_real_data(released_project):
    """Ingestion's outputs in the session-wide run on the real data (``released_project``:
    ingestion, then release, representations, embedding_analysis and featurization)."""
    project = released_project
    data = project / "data"

    oqmd = pd.read_parquet(data / "03_primary" / "oqmd_compositions.parquet")
    oqmd_rejects = pd.read_csv(latest_version(data / "08_reporting" / "oqmd_rejects.csv"))
    assert len(oqmd) + len(oqmd_rejects) == OQMD_ROWS
    assert len(oqmd_rejects) == 655
    assert oqmd_rejects["reason"].str.contains("exceeds the maximum of 30").all()
    assert sorted(set(oqmd["row"]) | set(oqmd_rejects["row"])) == list(range(OQMD_ROWS))
    assert oqmd["n_atoms"].max() == 30 and oqmd["class_key"].notna().all()

    vocabulary = pd.read_csv(data / "05_model_input" / "token_vocabulary.csv")
    assert (vocabulary["kind"] == "element").sum() == 86

    expt_gap = pd.read_parquet(data / "03_primary" / "expt_gap_compositions.parquet")
    expt_gap_rejects = pd.read_csv(latest_version(data / "08_reporting" / "expt_gap_rejects.csv"))
    assert len(expt_gap) + len(expt_gap_rejects) == 4604

    janus = pd.read_parquet(data / "03_primary" / "janus_materials.parquet")
    assert len(janus) == 216 and janus["has_gap"].sum() == 93
    assert len(pd.read_parquet(data / "02_intermediate" / "c2db_materials.parquet")) == 4034

    # one MLflow run for the Kedro run, finished, named after its pipelines
    ((name, status),) = _mlflow_runs(project)
    assert status == "FINISHED" and name.startswith("ingestion"), name


def test_janus_work_without_the_export_fails_before_anything_runs(make_project):
    project = make_project(embedded_raw())
    with pytest.raises(MissingUserDataError) as caught:
        run_kedro(project, "janus")
    message = str(caught.value)
    assert "data/01_raw/c2db_table_export.csv" in message and "c2db.fysik.dtu.dk" in message
    assert not list((project / "data" / "03_primary").iterdir())
    assert not (project / "mlflow.db").exists() or _mlflow_runs(project) == []


def test_a_run_whose_inputs_are_not_made_yet_stops_before_any_work(make_project):
    project = make_project(embedded_raw())
    with pytest.raises(MissingInputError) as caught:
        run_kedro(project, "representations")
    assert str(caught.value).splitlines() == [
        "This run needs datasets that do not exist yet:",
        "model_input_token_vocabulary is made by `ingestion`",
        "model_output_atom_dl_vectors is made by `release` (or `pretraining`)",
        "primary_oqmd_compositions is made by `ingestion`",
        "run `kedro run --pipelines ingestion,release,representations`",
    ]
    assert not any((project / "data").rglob("*.parquet"))
    assert not (project / "mlflow.db").exists() or _mlflow_runs(project) == []


def test_a_missing_raw_file_is_named_with_its_path(make_project):
    project = make_project({"oqmd_formulas.csv.gz": EMBEDDED / "oqmd_formulas.csv.gz"})
    with pytest.raises(MissingInputError) as caught:
        run_kedro(project, "ingestion")
    where = project / "data" / "01_raw" / "matbench_expt_gap.csv"
    assert str(caught.value).splitlines()[1] == (
        f"raw_matbench_expt_gap is not at {where}, and no pipeline makes it"
    )


def test_kedro_run_prints_one_message_for_missing_inputs(make_project):
    project = make_project(embedded_raw())
    env = {k: v for k, v in os.environ.items() if k != "ATOMDL_TRACEBACK"}

    def kedro_run(**extra):
        return subprocess.run(
            ["kedro", "run", "--pipelines", "embedding_analysis"],
            cwd=project, env={**env, **extra}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    plain = kedro_run()
    assert plain.returncode == 1 and "Traceback" not in plain.stderr + plain.stdout
    lines = plain.stderr.splitlines()
    start = lines.index("Error: This run needs datasets that do not exist yet:")
    assert lines[start : start + 3] == [
        "Error: This run needs datasets that do not exist yet:",
        "feature_element_representations is made by `representations`",
        "run `kedro run --pipelines ingestion,release,representations,embedding_analysis`",
    ]
    verbose = kedro_run(ATOMDL_TRACEBACK="1")
    assert verbose.returncode == 1 and "MissingInputError" in verbose.stderr + verbose.stdout


def test_default_run_leaves_out_janus_work_without_the_export(make_project):
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    oqmd = pd.read_csv(EMBEDDED / "oqmd_formulas.csv.gz", nrows=400)
    expt_gap = pd.DataFrame({"formula": ["NaCl"], "target": [8.5]})
    project = make_project({"oqmd_formulas.csv.gz": oqmd, "matbench_expt_gap.csv": expt_gap})
    small = {
        "pretraining": {
            "progress_bar": False,
            "encoder": {"n_layers": 1},
            "training": {"epochs": 1, "batch_size": 128},
        },
        "embedding_analysis": {"mantel_permutations": 9},
    }
    bootstrap_project(project)
    with KedroSession.create(project_path=project, runtime_params=small) as session:
        # the default pipeline as far as featurization: one expt_gap row is too few to select
        # models on (model selection on the real data has its own tests)
        session.run(to_nodes=["featurization.featurize_expt_gap"])
    primary = project / "data" / "03_primary"
    assert sorted(p.name for p in primary.iterdir()) == [
        "expt_gap_compositions.parquet",
        "oqmd_compositions.parquet",
    ]
    assert _mlflow_runs(project) == [("__default__", "FINISHED")]
    assert mlflow.active_run() is None  # the next session in this process starts clean


def test_registry_lists_the_seven_pipelines(make_project):
    from kedro.framework.project import pipelines
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(make_project({}))
    assert {
        "ingestion",
        "pretraining",
        "representations",
        "embedding_analysis",
        "featurization",
        "model_selection",
        "prediction",
        "janus",
        "release",
        "__default__",
    } <= set(pipelines)
    # the release stands in for pretraining: the same outputs, never in the same run
    release = {node.name for node in pipelines["release"].nodes}
    assert release == {"pretraining.use_pretrained_release"}
    assert not release & {node.name for node in pipelines["__default__"].nodes}
    downstream = {
        "models_atom_encoder",
        "model_output_atom_dl_vectors",
        "reporting_pretraining_history",
    }
    assert downstream <= pipelines["release"].all_outputs() & pipelines["pretraining"].all_outputs()
    assert (
        not pipelines["release"].all_outputs() & pipelines["representations"].inputs() - downstream
    )
    assert {node.name for node in pipelines["janus"].nodes} == {
        "ingestion.clean_c2db_export",
        "ingestion.build_janus_table",
        "featurization.featurize_janus",
        "model_selection.select_janus_models",
        "model_selection.tabulate_janus_selection",
        "model_selection.draw_janus_selection_figures",
        "model_selection.log_janus_selection_runs",
        "prediction.check_janus_materials_to_predict",
        "prediction.predict_janus_band_gaps",
        "prediction.screen_janus_candidates",
    }


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "sqlite:///mlflow.db"),
        ({"MLFLOW_TRACKING_URI": "sqlite:////srv/t.db"}, "sqlite:////srv/t.db"),
    ],
)
def test_tracking_goes_to_local_sqlite_unless_the_environment_says(
    monkeypatch, environment, expected
):
    from kedro.config import OmegaConfigLoader

    from atomdl.settings import CONFIG_LOADER_ARGS
    from tests.conftest import PROJECT_ROOT

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    loader = OmegaConfigLoader(str(PROJECT_ROOT / "conf"), **CONFIG_LOADER_ARGS)
    loader.config_patterns["mlflow"] = ["mlflow*"]
    assert loader["mlflow"]["server"]["mlflow_tracking_uri"] == expected


def test_readme_main_job_runs_on_the_embedded_data_alone(readme_main_job):
    """The README's main job, as a user types it, in a project without the C2DB export (run
    once for the session: tests/conftest.py, ``readme_main_job``)."""
    project, log = readme_main_job
    assert "leave out the 10 Janus nodes" in log  # 4 of them model selection
    assert "OQMD: 341700 rows in, 341045 accepted, 655 rejected" in log
    assert (project / "data" / "03_primary" / "oqmd_compositions.parquet").exists()
    assert not (project / "data" / "03_primary" / "janus_materials.parquet").exists()
    assert _mlflow_runs(project) == [("__default__", "FINISHED")]
    # expt_gap model selection: 10 representations (both Atom_DL releases; no original Atom2Vec
    # files here) x 4 models, and the short fine-tune of the encoder on the composition table
    nested = _mlflow_runs(project, nested=True)
    assert len(nested) == 41 and {status for _, status in nested} == {"FINISHED"}
    results = pd.read_csv(
        latest_version(project / "data" / "08_reporting" / "expt_gap_cv_results.csv")
    )
    fine_tuned = results.set_index(["representation", "model"]).loc[
        ("composition", "finetune_paper")
    ]
    assert fine_tuned["mae_mean"] < results.loc[results["model"] == "mean", "mae_mean"].min()
    assert "1 repeats" in log  # the CPU protocol says what it is
    # prediction: the example table, by the best expt_gap row, its pyfunc model in the run
    predictions = pd.read_csv(
        latest_version(project / "data" / "07_model_output" / "expt_gap_band_gap_predictions.csv")
    )
    assert len(predictions) == 12 and predictions["predicted_band_gap"].between(0, 10).all()
    assert predictions["uncertainty"].gt(0).all() and "note" in predictions.columns
    assert (predictions["interval_high"] > predictions["interval_low"]).all()
    assert predictions["interval_low"].ge(0).all()  # CV+ at 90% (docs/prediction.md)
    assert "gap_probability" in predictions.columns  # NaN unless the chosen model has a gate
    with sqlite3.connect(project / "mlflow.db") as db:
        (models,) = db.execute(
            "select name from logged_models where name like '%band_gap_model'"
        ).fetchall()
    assert models == ("expt_gap_band_gap_model",)
