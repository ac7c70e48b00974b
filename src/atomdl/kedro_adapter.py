"""The one place that reads what Kedro and kedro-datasets do not publish (private attributes),
checked against the versions in ``CHECKED_AGAINST``.

``tests/test_kedro_adapter.py`` builds real datasets from the installed classes and fails,
naming the attribute and the version, when an upgrade moves one. Everything else in the project
uses public API: the hooks read dataset paths from catalog entries and pin versions with
``AbstractDataset.from_config``; run state comes from kedro-mlflow's public ``MlflowHook.run_id``.
The extension points a custom dataset implements or calls on itself (``_describe``, ``_exists``,
``_get_load_path``, ``_get_save_path``, ``_filepath``, as Kedro's custom-dataset guide does) are
Kedro's documented subclass API and stay in ``atomdl.datasets``; the test pins them too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, AbstractVersionedDataset, DatasetError

#: The versions these private reads were checked against (distribution name -> version).
CHECKED_AGAINST = {"kedro": "1.7.0", "kedro-datasets": "9.6.0", "kedro-mlflow": "2.0.3"}


def save_path(dataset: AbstractDataset) -> Path:
    """The file or folder ``dataset``'s next save writes: for a versioned dataset, this run's
    version path (ask before the save, which makes it exist)."""
    if isinstance(dataset, AbstractVersionedDataset):
        return Path(str(dataset._get_save_path()))
    for attribute in ("_filepath", "_path"):  # kedro-datasets' file datasets; folder datasets
        path = getattr(dataset, attribute, None)
        if path is not None:
            return Path(str(path))
    raise DatasetError(f"{type(dataset).__name__} names no file to track")


def describe(dataset: AbstractDataset) -> dict[str, Any]:
    """What ``dataset`` says of itself (its ``_describe()``), e.g. for a wrapper's own."""
    return dataset._describe()
