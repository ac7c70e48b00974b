"""featurization -> model_selection -> prediction through a KedroSession on the real data,
reduced repeats (on the ingested data and representations of the session-wide run)."""

import sqlite3

import mlflow
import numpy as np
import pandas as pd
import pytest
from kedro.io import Version

from atomdl.datasets import VersionedTablesDataset
from tests.conftest import copy_project, enter_project, latest_version

pytestmark = pytest.mark.integration

REPRESENTATIONS = ["atom_dl", "magpie", "random"]
MODELS = ["mean", "rf", "krr", "svr"]
#: the fine-tuned encoder, on the composition table, a short run
FINETUNE = {"finetune_paper": {"epochs": [3], "patience": [2], "batch_size": [32]}}
SMALL = {
    "embedding_analysis": {"mantel_permutations": 9},
    "featurization": {"representations": REPRESENTATIONS},
    "model_selection": {
        "tasks": {
            "janus": {
                "outer": {"repeats": 2},
                "models": [*MODELS, *FINETUNE],
                "grids": {
                    **FINETUNE,
                    "rf": {"n_estimators": [10, 30]},
                    "krr": [{"kernel": ["poly"], "degree": [1, 2], "alpha": [1.0]}],
                    "svr": [{"kernel": ["rbf"], "C": [1.0, 10.0], "gamma": [0.01]}],
                },
            },
            "expt_gap": {
                "max_materials": 120,
                "outer": {"repeats": 1},
                # the fine-tuned encoder on expt_gap: the README main job's test
                "models": MODELS,
                "grids": {
                    "rf": {"n_estimators": [10]},
                    "krr": [{"kernel": ["rbf"], "alpha": [0.1], "gamma": [0.01]}],
                    "svr": [{"kernel": ["rbf"], "C": [1.0], "gamma": [0.01]}],
                },
            },
        }
    },
    "prediction": {
        "uncertainty_folds": 3,
        "janus_classifier_grid": {"n_estimators": [30], "max_features": ["sqrt"]},
        "janus_screening": {"classifier_cv": {"splits": 5, "repeats": 1, "seed": 0}},
    },
}


def test_model_selection_on_the_real_janus_and_expt_gap_data(
    released_project, tmp_path, monkeypatch
):
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    # ingestion, release and representations on the real data come from the session-wide run
    # (tests/conftest.py, ``released_project``); featurization of three of the representations,
    # model selection and prediction run here, in a copy with its own MLflow store
    features = ("04_feature/janus_features", "04_feature/expt_gap_features")
    project = copy_project(released_project, tmp_path / "project", leave_out=features)
    enter_project(project, monkeypatch)
    bootstrap_project(project)
    pipelines = ["featurization", "model_selection", "prediction"]
    kept = project / "data" / "05_model_input" / "model_selection_units"
    params = SMALL | {"model_selection": SMALL["model_selection"] | {"unit_cache": str(kept)}}
    with KedroSession.create(project_path=project, runtime_params=params) as session:
        session.run(pipeline_names=pipelines)
    # every outer fold and paper run of every representation x model, kept for a resume
    # (expt_gap: no paper protocol, conf/base)
    # (and the fine-tuned encoder on the composition table of Janus)
    pairs = len(REPRESENTATIONS) * len(MODELS) + 1
    expt_gap_pairs = len(REPRESENTATIONS) * len(MODELS)
    units = pairs * (2 * 5 + 1) + expt_gap_pairs * 5
    assert len(list(kept.glob("*.pkl"))) == units
    reports = project / "data" / "08_reporting"

    results = pd.read_csv(latest_version(reports / "janus_cv_results.csv"))
    assert len(results) == pairs * 2  # nested and paper protocol
    nested = results.loc[results["protocol"] == "nested"].set_index(["representation", "model"])
    assert nested["n_materials"].eq(93).all()
    assert nested.loc[("atom_dl", "krr"), "mae_mean"] < nested.loc[("atom_dl", "mean"), "mae_mean"]
    assert np.isnan(nested.loc[("atom_dl", "rf"), "p_vs_reference"])
    for representation in ("magpie", "random"):
        p_values = nested.loc[representation, "p_vs_reference"].drop("mean")
        assert ((p_values > 0) & (p_values <= 1)).all()
    fine_tuned = nested.loc[("composition", "finetune_paper")]
    own = nested.loc["atom_dl"].drop("mean")
    assert fine_tuned["reference_model"] == own["mae_mean"].idxmin()  # against Atom_DL's best
    assert 0 < fine_tuned["p_vs_reference"] <= 1 and fine_tuned["n_materials"] == 93

    folds = pd.read_csv(latest_version(reports / "janus_cv_folds.csv"))
    assert len(folds) == pairs * 2 * 5
    sizes = folds.pivot_table(index=["repeat", "fold"], columns="representation", values="n_test")
    assert (sizes.nunique(axis=1) == 1).all()  # identical outer folds for every representation

    janus_tables = VersionedTablesDataset(
        str(project / "data" / "04_feature" / "janus_features"), Version(None, None)
    ).load()
    janus = janus_tables["janus__atom_dl"]
    composition = janus_tables["janus__composition"]  # the fine-tuned encoder's input
    assert composition.filter(like="amount__").sum(axis=1).eq(3).all()
    assert composition.filter(like="structure__").shape == (93, 10)
    table4 = pd.read_csv(latest_version(reports / "janus_oof_predictions.csv"))
    assert len(table4) == 93 and set(table4["material_id"]) == set(janus["material_id"])
    assert {f"{m}__{r}" for m in MODELS for r in REPRESENTATIONS} <= set(table4.columns)
    assert "finetune_paper__composition" in table4.columns

    expt = pd.read_csv(latest_version(reports / "expt_gap_cv_results.csv"))
    assert expt["n_materials"].eq(120).all() and len(expt) == expt_gap_pairs
    assert expt["protocol"].eq("nested").all()  # conf/base leaves expt_gap's paper protocol out
    markdown = latest_version(reports / "janus_cv_results.md").read_text()
    assert "| janus" in markdown and "paper (optimistic)" in markdown
    assert "outer 5-fold x 2 repeats" in markdown  # reduced settings say so in the output
    assert "120 materials" in expt["settings"].iloc[0]
    for task in ("janus", "expt_gap"):
        for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
            folder = latest_version(reports / f"{task}_model_selection_figures_{fmt}")
            names = {p.name for p in folder.iterdir()}
            assert names == {f"{task}_mae_by_model.{fmt}", f"{task}_parity.{fmt}"}
            assert all(p.read_bytes().startswith(magic) for p in folder.iterdir())

    with sqlite3.connect(project / "mlflow.db") as db:
        runs = db.execute("select run_uuid, name from runs").fetchall()
        parent = db.execute(
            "select run_uuid from runs where run_uuid not in "
            "(select run_uuid from tags where key = 'mlflow.parentRunId')"
        ).fetchall()
        children = dict(
            db.execute(
                "select t.value, r.run_uuid from runs r join tags t on t.run_uuid = "
                "r.run_uuid and t.key = 'mlflow.runName'"
            ).fetchall()  # fmt: skip
        )
        krr = children["janus/atom_dl/krr"]
        metrics = {k for (k,) in db.execute("select key from metrics where run_uuid=?", (krr,))}
        steps = db.execute(
            "select count(*) from metrics where run_uuid=? and key='outer_fold_mae'", (krr,)
        ).fetchone()[0]
        params = dict(db.execute("select key, value from params where run_uuid=?", (krr,)))
    assert len(parent) == 1 and len(runs) == 1 + pairs + expt_gap_pairs
    _check_predictions(project)
    assert {"mae_mean", "mae_std", "rmse_mean", "r2_mean", "paper_mae_mean"} <= metrics
    assert steps == 10 and '"degree": [1, 2]' in params["grid"]
    assert params["best_params_chosen"].endswith("of 10 folds)")
    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    model = mlflow.sklearn.load_model(f"runs:/{krr}/model")
    features = janus.drop(columns=["material_id", "formula", "target"]).to_numpy()
    assert model.predict(features).shape == (93,)
    assert [name for name, _ in model.steps] == ["scale", "model"]
    artifacts = mlflow.MlflowClient().list_artifacts(krr)
    assert {"parity.png", "folds.csv"} <= {a.path for a in artifacts}  # the model: loaded above


def _check_predictions(project):
    """The prediction pipeline's outputs: the example tables predicted by each task's best
    nested-CV row, the Janus screen, both models served from the run."""
    output, reports = project / "data" / "07_model_output", project / "data" / "08_reporting"
    selection = pd.read_csv(latest_version(output / "janus_selection_results.csv"))
    nested = selection.loc[(selection["protocol"] == "nested") & (selection["model"] != "mean")]
    best = nested.sort_values("mae_mean").iloc[0]
    with sqlite3.connect(project / "mlflow.db") as db:
        params = dict(db.execute("select key, value from params where key like 'prediction.%'"))
        served = db.execute("select name from logged_models where name like '%band_gap_model'")
        models = {name for (name,) in served}
    assert params["prediction.janus.representation"] == best["representation"]
    assert params["prediction.janus.model"] == best["model"]
    assert models == {"janus_band_gap_model", "expt_gap_band_gap_model"}

    janus = pd.read_csv(latest_version(output / "janus_band_gap_predictions.csv"))
    assert list(janus["formula"]) == ["MoSSe", "MoSTe", "WSSe", "WSeTe", "ZrSSe", "HfSSe", "PtSSe"]
    assert janus.set_index("formula").loc["PtSSe", "unseen_elements"] == "Pt"
    assert janus.loc[0, "known_target"] == pytest.approx(1.453)  # MoSSe 2H in C2DB
    expt = pd.read_csv(latest_version(output / "expt_gap_band_gap_predictions.csv"))
    assert len(expt) == 12 and expt["predicted_band_gap"].ge(0).all()
    assert len(pd.read_csv(latest_version(reports / "expt_gap_prediction_rejects.csv"))) == 0

    screen = pd.read_csv(latest_version(output / "janus_screening.csv"))
    assert len(screen) == 1572 and screen["rank"].is_monotonic_increasing
    assert screen.loc[~screen["called_gapped"], "predicted_band_gap"].isna().all()
    folds = pd.read_csv(latest_version(reports / "janus_classifier_cv_folds.csv"))
    assert len(folds) == 5 and folds["roc_auc"].mean() > 0.8
    heat = latest_version(reports / "janus_screening_figures_png") / "janus_screening_heatmap.png"
    assert heat.read_bytes().startswith(b"\x89PNG")
