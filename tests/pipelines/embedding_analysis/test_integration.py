"""release, representations, embedding_analysis and featurization through one KedroSession on
the real data (the session-wide run ``released_project``, shared with the ingestion and model
selection tests)."""

import sqlite3

import pandas as pd
import pytest
from kedro.io import Version

from atomdl.datasets import RepresentationsDataset, VersionedTablesDataset
from atomdl.pretraining.release import released_vectors
from atomdl.rejects import REJECT_COLUMNS
from tests.conftest import latest_version

pytestmark = pytest.mark.integration

FIGURES = {
    "figure_4_dendrogram",
    "figure_5_pc1_pc2",
    "figure_6_pc3_pc4",
    "pc1_valence",
    "cosine_similarity",
    "dendrograms_all_representations",
}
REPRESENTATIONS = [
    "atom_dl", "atom_dl_property_aware", "atom2vec", "atom2vec_original", "magpie", "mat2vec",
    "megnet16", "skipatom", "oliynyk", "one_hot", "random",
]  # fmt: skip


def test_analysis_and_features_from_the_released_vectors(released_project):
    """The shared run (tests/conftest.py, ``released_project``): ingestion, release,
    representations, embedding_analysis and featurization through one KedroSession."""
    project = released_project

    data = project / "data"
    vectors = pd.read_csv(
        latest_version(data / "07_model_output" / "atom_dl_vectors.csv"), index_col="symbol"
    )
    pd.testing.assert_frame_equal(vectors, released_vectors())

    # every representation stored whole, once, in one versioned set
    stored = RepresentationsDataset(
        str(data / "04_feature" / "element_representations"), Version(None, None)
    ).load()
    assert list(stored) == REPRESENTATIONS
    assert stored["atom2vec"].vectors.shape == (86, 20)
    assert stored["atom2vec"].source == "Atom2Vec trained here on the OQMD corpus"
    pd.testing.assert_frame_equal(stored["atom_dl"].vectors, released_vectors())
    pd.testing.assert_frame_equal(
        stored["atom_dl_property_aware"].vectors, released_vectors("property_aware")
    )

    summary = pd.read_csv(latest_version(data / "08_reporting" / "element_representations.csv"))
    assert summary["representation"].tolist() == REPRESENTATIONS
    assert summary.set_index("representation").loc["oliynyk", "missing_corpus_elements"]

    metrics = pd.read_csv(latest_version(data / "08_reporting" / "embedding_metrics.csv"))
    metrics = metrics.set_index("representation")
    measured = [n for r in REPRESENTATIONS
                for n in ([r, f"{r}_zscored"] if r in ("magpie", "oliynyk") else [r])]  # fmt: skip
    assert metrics.index.tolist() == measured
    assert metrics.loc["magpie_zscored", "nn_same_group"] > metrics.loc["magpie", "nn_same_group"]
    assert metrics.loc["atom_dl", "mantel_r_vs_atom_dl"] == pytest.approx(1.0)
    assert metrics.loc["atom_dl", "nn_same_group"] > metrics.loc["random", "nn_same_group"]
    assert (metrics["elements_covered"] == 34).all()
    markdown = latest_version(data / "08_reporting" / "embedding_metrics.md").read_text()
    assert markdown.count("\n") == len(measured) + 1 and "| atom_dl" in markdown

    components = pd.read_csv(
        latest_version(data / "08_reporting" / "principal_components.csv"), index_col=0
    )
    assert components.shape == (35, 4)
    assert components.loc["explained_variance_ratio"].is_monotonic_decreasing

    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml")):
        folder = latest_version(data / "08_reporting" / f"embedding_figures_{fmt}")
        assert {p.stem for p in folder.iterdir()} == FIGURES
        assert all(p.read_bytes().startswith(magic) for p in folder.iterdir())

    # featurization: one table per task x representation, the same materials in each
    janus = VersionedTablesDataset(
        str(data / "04_feature" / "janus_features"), Version(None, None)
    ).load()
    expt_gap = VersionedTablesDataset(
        str(data / "04_feature" / "expt_gap_features"), Version(None, None)
    ).load()
    # and the composition table the fine-tuned encoder reads (86 elements' amounts)
    tables = [*REPRESENTATIONS, "composition"]
    assert sorted(janus) == sorted(f"janus__{r}" for r in tables)
    assert sorted(expt_gap) == sorted(f"expt_gap__{r}" for r in tables)
    assert janus["janus__atom_dl"].shape == (93, 3 + 3 * 16 + 10)
    assert janus["janus__composition"].shape == (93, 3 + 86 + 10)
    assert expt_gap["expt_gap__magpie"].shape == (4604, 3 + 5 * 22)
    assert expt_gap["expt_gap__composition"].shape == (4604, 3 + 86)
    ids = janus["janus__atom_dl"]["material_id"].tolist()
    assert all(t["material_id"].tolist() == ids for t in janus.values())
    for task in ("janus", "expt_gap"):
        rejects = pd.read_csv(
            latest_version(data / "08_reporting" / f"{task}_features_rejects.csv")
        )
        assert list(rejects.columns) == list(REJECT_COLUMNS) and rejects.empty

    with sqlite3.connect(project / "mlflow.db") as db:
        runs = db.execute("select run_uuid from runs").fetchall()
        assert len(runs) == 1
        (run_id,) = runs[0]
        metric_keys = {k for (k,) in db.execute(
            "select key from metrics where run_uuid=?", (run_id,))}  # fmt: skip
        tags = dict(db.execute("select key, value from tags where run_uuid=?", (run_id,)))
    assert {f"nn_same_group.{r}" for r in REPRESENTATIONS} <= metric_keys
    assert "cluster_ari.atom_dl" in metric_keys and "mantel_r_vs_atom_dl.magpie" in metric_keys
    assert tags["atom_dl_source"] == "release"
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    client = mlflow.MlflowClient()
    logged = {a.path for a in client.list_artifacts(run_id)}
    logged |= {a.path for a in client.list_artifacts(run_id, "figures")}
    assert {"embedding_metrics.csv", "figures/figure_4_dendrogram.png", "RELEASE.json"} <= logged
