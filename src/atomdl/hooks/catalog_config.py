"""Where a dataset's catalog entry says its files are: read from the entry (Kedro's public
configuration), not from the dataset object's private attributes."""

from __future__ import annotations

from typing import Any


def entry_filepath(config: dict[str, Any] | None) -> str | None:
    """The ``filepath`` (or ``path``) of an entry, or of the dataset a wrapper entry holds
    (``atomdl.datasets.TrackedDataset``'s ``dataset:``); None when it names none."""
    config = config or {}
    found = config.get("filepath") or config.get("path")
    inner = config.get("dataset")
    if found is None and isinstance(inner, dict):
        found = inner.get("filepath") or inner.get("path")
    return None if found is None else str(found)


def catalog_filepath(catalog, name: str) -> str | None:
    """The file or folder the catalog's entry (or matching factory) gives dataset ``name``."""
    return entry_filepath(catalog.config_resolver.resolve_pattern(name))
