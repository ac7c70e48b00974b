"""The private Kedro attributes ``atomdl.kedro_adapter`` reads, on real objects of the installed
versions: an upgrade that moves one fails here, naming it and what to re-check."""

from __future__ import annotations

import inspect
from importlib.metadata import version
from pathlib import Path

import pytest
from kedro.io import AbstractDataset, AbstractVersionedDataset, DataCatalog, Version

from atomdl import kedro_adapter
from atomdl.kedro_adapter import CHECKED_AGAINST, describe, save_path

RECHECK = (
    "re-check every private read in src/atomdl/kedro_adapter.py (and the subclass API that "
    "atomdl.datasets uses) against the new version, then update CHECKED_AGAINST"
)


@pytest.mark.parametrize("distribution", sorted(CHECKED_AGAINST))
def test_the_installed_version_is_the_one_the_adapter_was_checked_against(distribution):
    installed = version(distribution)
    assert installed == CHECKED_AGAINST[distribution], (
        f"{distribution} {installed} is installed; atomdl.kedro_adapter was checked against "
        f"{CHECKED_AGAINST[distribution]}: {RECHECK}"
    )


def _lacks(owner: str, attribute: str, distribution: str) -> str:
    return (
        f"{owner} has no {attribute} in {distribution} {version(distribution)} "
        f"(checked against {CHECKED_AGAINST[distribution]}): {RECHECK}"
    )


def test_a_versioned_dataset_gives_this_runs_save_path_before_saving(tmp_path):
    from kedro_datasets.pandas import CSVDataset

    dataset = CSVDataset(filepath=str(tmp_path / "t.csv"), version=Version(None, "2026-01-01"))
    assert hasattr(dataset, "_get_save_path"), _lacks("CSVDataset", "_get_save_path", "kedro")
    assert save_path(dataset) == tmp_path / "t.csv" / "2026-01-01" / "t.csv"


@pytest.mark.parametrize(
    "make",
    [
        lambda path: __import__("kedro_datasets.text", fromlist=["TextDataset"]).TextDataset(
            filepath=str(path)
        ),
        lambda path: __import__(
            "kedro_datasets.matplotlib", fromlist=["MatplotlibDataset"]
        ).MatplotlibDataset(filepath=str(path)),
        lambda path: __import__("kedro_datasets.json", fromlist=["JSONDataset"]).JSONDataset(
            filepath=str(path)
        ),
    ],
    ids=["text", "matplotlib", "json"],
)
def test_an_unversioned_file_dataset_names_its_file(tmp_path, make):
    dataset = make(tmp_path / "out")
    name = type(dataset).__name__
    assert hasattr(dataset, "_filepath"), _lacks(name, "_filepath", "kedro-datasets")
    assert save_path(dataset) == tmp_path / "out"


def test_describe_is_what_the_dataset_says_of_itself(tmp_path):
    from kedro_datasets.pandas import CSVDataset

    dataset = CSVDataset(filepath=str(tmp_path / "t.csv"))
    assert hasattr(dataset, "_describe"), _lacks("CSVDataset", "_describe", "kedro")
    assert Path(describe(dataset)["filepath"]) == tmp_path / "t.csv"


def test_the_subclass_api_of_the_projects_datasets_is_there():
    for method in ("_get_load_path", "_get_save_path", "_describe", "_exists"):
        assert hasattr(AbstractVersionedDataset, method), _lacks(
            "AbstractVersionedDataset", method, "kedro"
        )
    source = inspect.getsource(AbstractVersionedDataset.__init__)
    for attribute in ("self._filepath", "self._version"):
        assert attribute in source, _lacks("AbstractVersionedDataset.__init__", attribute, "kedro")


def test_the_public_api_the_hooks_use_instead_of_private_attributes(tmp_path):
    from kedro_mlflow.framework.hooks import MlflowHook

    assert MlflowHook().run_id is None, _lacks("MlflowHook", "run_id", "kedro-mlflow")
    assert "self.run_id = mlflow.active_run().info.run_id" in inspect.getsource(
        MlflowHook.before_pipeline_run
    ), _lacks("MlflowHook.before_pipeline_run", "setting run_id", "kedro-mlflow")
    entry = {"type": "pandas.CSVDataset", "filepath": str(tmp_path / "t.csv"), "versioned": True}
    patterns = {"t": entry, "{name}_x": {**entry, "filepath": "{name}"}}
    catalog = DataCatalog.from_config(patterns, save_version="v2")  # as a session makes it
    assert catalog.config_resolver.resolve_pattern("t")["filepath"] == str(tmp_path / "t.csv")
    assert catalog.config_resolver.resolve_pattern("a_x")["filepath"] == "a"
    assert catalog.to_config()[3] == "v2"  # the catalog's save version
    pinned = AbstractDataset.from_config("t", entry, load_version="v1", save_version="v2")
    catalog["t"] = pinned
    assert catalog.get("t") is pinned and pinned.resolve_load_version() == "v1"


def test_the_adapter_is_the_only_module_reading_private_kedro_attributes():
    import re

    import atomdl

    root = Path(atomdl.__file__).parent
    private = re.compile(
        r"\.(_describe|_get_save_path|_get_load_path|_filepath|_path|_copy|_dataset|_version|"
        r"_already_active_mlflow)\b"
    )
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "kedro_adapter.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in private.finditer(line):
                if not line[: match.start()].rstrip().endswith("self"):  # a dataset's own API
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == [], "private Kedro attributes outside atomdl/kedro_adapter.py"
    assert kedro_adapter.__doc__
