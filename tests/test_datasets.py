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
