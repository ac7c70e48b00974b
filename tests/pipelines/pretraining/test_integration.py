"""The pretraining pipeline on slices of the real corpus: in the README's main job (shared with
the ingestion tests), and data-parallel through a KedroSession."""

import sqlite3

import pandas as pd
import pytest
from kedro.io import Version

from atomdl.datasets import RepresentationsDataset
from atomdl.pretraining import load_encoder, released_vectors
from tests.conftest import EMBEDDED, latest_version

pytestmark = pytest.mark.integration

#: conf/cpu/parameters_pretraining.yml, as the README's main job trains
CPU_SLICE = {"formulas": 20000, "epochs": 3}


def test_pretraining_pipeline_on_a_slice_of_the_corpus(readme_main_job):
    """Pretraining in the README's main job (`kedro run --env cpu`: the paper's architecture on
    a 20,000-formula slice for 3 epochs), run once for the session (tests/conftest.py,
    ``readme_main_job``): the encoder, its vectors, the history, what follows from them, and
    the MLflow run."""
    project, _ = readme_main_job
    data = project / "data"
    vocabulary = pd.read_csv(data / "05_model_input" / "token_vocabulary.csv")
    encoder = load_encoder(latest_version(data / "06_models" / "atom_encoder.pkl"))
    assert encoder.config.n_layers == 8 and encoder.config.embedding_dim == 16
    assert encoder.tokens == vocabulary["token"].tolist()
    vectors = pd.read_csv(
        latest_version(data / "07_model_output" / "atom_dl_vectors.csv"), index_col="symbol"
    )
    elements = vocabulary.loc[vocabulary["kind"] == "element", "token"].tolist()
    assert vectors.index.tolist() == elements and vectors.shape[1] == 16
    epochs = list(range(1, CPU_SLICE["epochs"] + 1))
    history = pd.read_csv(latest_version(data / "08_reporting" / "pretraining_history.csv"))
    assert history["epoch"].tolist() == epochs
    assert not list((data / "06_models" / "pretraining_checkpoints").glob("*.pt"))

    # the representations are built from the vectors just trained; without the optional
    # original Atom2Vec files that representation is left out and the rest still runs
    stored = RepresentationsDataset(
        str(data / "04_feature" / "element_representations"), Version(None, None)
    ).load()
    pd.testing.assert_frame_equal(stored["atom_dl"].vectors, vectors)
    assert "atom2vec_original" not in stored and len(stored) == 10
    # the committed property-aware release rides along, untouched by this training
    pd.testing.assert_frame_equal(
        stored["atom_dl_property_aware"].vectors, released_vectors("property_aware")
    )

    with sqlite3.connect(project / "mlflow.db") as db:
        (run_id,) = db.execute(
            "select run_uuid from runs where run_uuid not in "
            "(select run_uuid from tags where key = 'mlflow.parentRunId')"
        ).fetchone()
        params = dict(db.execute("select key, value from params where run_uuid=?", (run_id,)))
        steps = db.execute(
            "select step from metrics where run_uuid=? and key='loss_lm' order by step", (run_id,)
        ).fetchall()
        tags = dict(db.execute("select key, value from tags where run_uuid=?", (run_id,)))
    assert params["training_formulas"] == str(CPU_SLICE["formulas"])
    assert len(params["training_data_sha256"]) == 64
    assert params["pretraining.training.epochs"] == str(CPU_SLICE["epochs"])
    assert tags["device"] == "cpu" and tags["resumed_from_epoch"] == "0"
    assert [s for (s,) in steps] == epochs

    # the MLflow model is the encoder itself, tokens included: it gives its own vectors
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    logged = mlflow.pytorch.load_model(f"runs:/{run_id}/atom_encoder")
    assert logged.tokens == vocabulary["token"].tolist()
    pd.testing.assert_frame_equal(logged.element_vectors(), vectors, check_dtype=False, rtol=1e-6)
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(run_id)}
    assert {"atom_dl_vectors.csv", "element_representations.csv"} <= artifacts


def test_the_pretraining_node_starts_data_parallel_workers(make_project):
    """`pretraining.distributed.nproc_per_node: 2`: the node runs torchrun (gloo on CPU); the
    workers' epochs reach the Kedro run's MLflow run, the outputs the catalog."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    # a slice of the real corpus: the workers train on 600 of its formulas
    oqmd = pd.read_csv(EMBEDDED / "oqmd_formulas.csv.gz", nrows=5000)
    project = make_project(
        {"oqmd_formulas.csv.gz": oqmd, "matbench_expt_gap.csv": EMBEDDED / "matbench_expt_gap.csv"}
    )
    params = {
        "pretraining": {
            "max_formulas": 600,
            "progress_bar": False,
            "encoder": {"n_layers": 1},
            "training": {"epochs": 2, "batch_size": 64, "learning_rate": 0.01},
            "distributed": {"nproc_per_node": 2},
        }
    }
    bootstrap_project(project)
    with KedroSession.create(project_path=project, runtime_params=params) as session:
        session.run(pipeline_names=["ingestion", "pretraining"])

    data = project / "data"
    encoder = load_encoder(latest_version(data / "06_models" / "atom_encoder.pkl"))
    vectors = pd.read_csv(
        latest_version(data / "07_model_output" / "atom_dl_vectors.csv"), index_col="symbol"
    )
    pd.testing.assert_frame_equal(encoder.element_vectors(), vectors, check_dtype=False, rtol=1e-6)
    history = pd.read_csv(latest_version(data / "08_reporting" / "pretraining_history.csv"))
    assert history["epoch"].tolist() == [1, 2]
    with sqlite3.connect(project / "mlflow.db") as db:
        (run_id,) = db.execute("select run_uuid from runs").fetchone()
        steps = db.execute(
            "select step from metrics where run_uuid=? and key='val_loss_lm' order by step",
            (run_id,),
        ).fetchall()
        tags = dict(db.execute("select key, value from tags where run_uuid=?", (run_id,)))
        params_logged = dict(
            db.execute("select key, value from params where run_uuid=?", (run_id,))
        )
    assert [s for (s,) in steps] == [1, 2] and tags["processes"] == "2"
    assert params_logged["training_formulas"] == "600"
