"""The project's own Kedro datasets."""

import pandas as pd
import pytest
from kedro.io import DatasetError, Version

from atomdl.datasets import VersionedTablesDataset


def test_versioned_tables_round_trip_in_a_new_version_each_save(tmp_path):
    path = tmp_path / "features"
    first = VersionedTablesDataset(str(path), version=Version(None, "2026-01-01T00.00.00.000Z"))
    first.save({"janus__a": pd.DataFrame({"x": [1.0]}), "janus__b": pd.DataFrame({"x": [2.0]})})
    second = VersionedTablesDataset(str(path), version=Version(None, "2026-01-02T00.00.00.000Z"))
    second.save({"janus__a": pd.DataFrame({"x": [3.0]})})

    latest = VersionedTablesDataset(str(path), version=Version(None, None)).load()
    assert list(latest) == ["janus__a"] and latest["janus__a"]["x"].tolist() == [3.0]
    pinned = VersionedTablesDataset(str(path), version=Version("2026-01-01T00.00.00.000Z", None))
    assert sorted(pinned.load()) == ["janus__a", "janus__b"]


def test_a_failed_save_leaves_no_version_behind(tmp_path):
    path = tmp_path / "features"
    dataset = VersionedTablesDataset(str(path), version=Version(None, "2026-01-01T00.00.00.000Z"))
    with pytest.raises(DatasetError, match="cannot name a table file"):
        dataset.save({"good": pd.DataFrame({"x": [1.0]}), "../bad": pd.DataFrame({"x": [1.0]})})
    assert not (path / "2026-01-01T00.00.00.000Z" / "features").exists()
    assert not VersionedTablesDataset(str(path), version=Version(None, None)).exists()


def _toy(name: str, values: list[float], source: str = "test"):
    from atomdl.representations import Representation

    return Representation(name, pd.DataFrame({"d0": values}, index=["Na", "Cl"][: len(values)]),
                          source)  # fmt: skip


def test_representations_are_stored_whole_in_a_versioned_folder(tmp_path):
    from atomdl.datasets import RepresentationsDataset

    path = tmp_path / "element_representations"
    saved = {"b": _toy("b", [0.1, 1 / 3], "from b"), "a": _toy("a", [2.0], "from a")}
    RepresentationsDataset(str(path), version=Version(None, "2026-01-01T00.00.00.000Z")).save(saved)
    loaded = RepresentationsDataset(str(path), version=Version(None, None)).load()
    assert list(loaded) == ["b", "a"]  # the saved order, not the file order
    assert loaded["b"].source == "from b" and loaded["a"].dim == 1
    pd.testing.assert_frame_equal(loaded["b"].vectors, saved["b"].vectors)  # exact floats


def test_a_vector_file_changed_behind_the_manifest_is_refused(tmp_path):
    from atomdl.representations import load_representations, save_representations

    save_representations([_toy("a", [1.0, 2.0])], tmp_path / "set")
    (tmp_path / "set" / "a.csv").write_text("symbol,d0\nNa,1.0\nCl,2.5\n")
    with pytest.raises(ValueError, match=r"a\.csv does not match its manifest entry"):
        load_representations(tmp_path / "set")
    with pytest.raises(FileNotFoundError, match="no representations.json"):
        load_representations(tmp_path)
    with pytest.raises(ValueError, match="names repeat"):
        save_representations([_toy("a", [1.0]), _toy("a", [2.0])], tmp_path / "other")


def test_a_tracked_dataset_saves_its_version_and_logs_that_file_or_folder(tmp_path):
    import mlflow
    from matplotlib.figure import Figure

    from atomdl.datasets import MlflowRecordDataset, TrackedDataset

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("tracked-dataset-test")  # not an experiment id of an earlier store
    try:
        table = TrackedDataset(
            {"type": "pandas.CSVDataset", "filepath": str(tmp_path / "t.csv"),
             "save_args": {"index": False}},
            version=Version(None, "2026-01-01T00.00.00.000Z"),
        )  # fmt: skip
        figures = TrackedDataset(
            {"type": "matplotlib.MatplotlibDataset", "filepath": str(tmp_path / "figs")},
            artifact_path="figures",
            version=Version(None, "2026-01-01T00.00.00.000Z"),
        )
        frame = pd.DataFrame({"x": [1.5, 2.5]})
        table.save(frame)  # no active run: saved, nothing logged, no run opened
        assert mlflow.active_run() is None
        with mlflow.start_run() as run:
            table_again = TrackedDataset(
                {"type": "pandas.CSVDataset", "filepath": str(tmp_path / "t.csv")},
                version=Version(None, "2026-01-02T00.00.00.000Z"),
            )
            table_again.save(frame)
            figures.save({"a.png": Figure(), "b.png": Figure()})
            MlflowRecordDataset().save({"params": {"p": 1}, "tags": {"t": "x"}})
        client = mlflow.MlflowClient()
        assert {a.path for a in client.list_artifacts(run.info.run_id)} == {"t.csv", "figures"}
        logged = {a.path for a in client.list_artifacts(run.info.run_id, "figures")}
        assert logged == {"figures/a.png", "figures/b.png"}
        data = client.get_run(run.info.run_id).data
        assert data.params == {"p": "1"} and data.tags["t"] == "x"
        assert (tmp_path / "t.csv" / "2026-01-02T00.00.00.000Z" / "t.csv").is_file()
        latest = TrackedDataset(
            {"type": "pandas.CSVDataset", "filepath": str(tmp_path / "t.csv")},
            version=Version(None, None),
        )
        pd.testing.assert_frame_equal(latest.load(), frame)
        with pytest.raises(DatasetError, match="only writes"):
            MlflowRecordDataset().load()
    finally:
        mlflow.set_tracking_uri(None)
