"""Read outputs saved together (a version set) at the newest version that all of them have."""

from __future__ import annotations

import logging
from pathlib import Path

from kedro.framework.hooks import hook_impl
from kedro.io import AbstractDataset

from atomdl.hooks.catalog_config import entry_filepath

logger = logging.getLogger(__name__)


class VersionSetHooks:
    """Datasets whose catalog metadata names the same ``atomdl: {version_set: <name>}`` are saved
    together by one run and share its version string. Where the newest versions differ (a run
    interrupted while saving them), those not written by the current run are read at the newest
    version that every member has, with a warning; ``--load-versions`` still wins.

    Only public Kedro API: versions are listed from the entries' folders, and a pinned member is
    built anew from its entry with that load version (``AbstractDataset.from_config``)."""

    def __init__(self):
        self._originals: dict[str, object] = {}

    @hook_impl
    def after_catalog_created(self, catalog, conf_catalog, save_version, load_versions) -> None:
        self._originals.clear()
        for set_name, members in _version_sets(conf_catalog).items():
            if any(name in (load_versions or {}) for name in members):
                continue
            versions = {name: _saved_versions(conf_catalog[name]) for name in members}
            chosen = _complete_version(set_name, versions)
            if chosen is None:
                continue
            # the catalog's own save version (a session's id, or the one it made for a notebook)
            saves = save_version or catalog.to_config()[3]
            for name in members:
                self._originals[name] = catalog.get(name)
                catalog[name] = AbstractDataset.from_config(
                    name, conf_catalog[name], load_version=chosen, save_version=saves
                )

    @hook_impl
    def before_pipeline_run(self, pipeline, catalog) -> None:
        written = pipeline.all_outputs()
        for name, original in self._originals.items():
            if name in written:  # read what this run writes, not the pinned version
                catalog[name] = original


def _complete_version(set_name: str, versions: dict[str, set[str]]) -> str | None:
    """The version to pin the set's members at, or None to leave them at their newest."""
    if not all(versions.values()):
        return None  # a member never saved: nothing to mix up (missing inputs are refused)
    newest = {name: max(found) for name, found in versions.items()}
    if len(set(newest.values())) == 1:
        return None
    complete = set.intersection(*versions.values())
    if not complete:
        logger.warning(
            "Version set '%s': %s have no version in common (newest: %s); each is read at its "
            "newest version. Pass --load-versions to choose.",
            set_name, ", ".join(versions), newest,
        )  # fmt: skip
        return None
    ahead = sorted(name for name in versions if newest[name] != max(newest.values()))
    logger.warning(
        "Version set '%s' is incomplete after %s (%s lack it: a run interrupted while saving?); "
        "reading the complete set %s. Rerun the pipeline that makes them to finish it.",
        set_name, max(newest.values()), ", ".join(ahead), max(complete),
    )  # fmt: skip
    return max(complete)


def _version_sets(conf_catalog: dict) -> dict[str, list[str]]:
    sets: dict[str, list[str]] = {}
    for name, config in (conf_catalog or {}).items():
        metadata = config.get("metadata") if isinstance(config, dict) else None
        set_name = ((metadata or {}).get("atomdl") or {}).get("version_set")
        if set_name:
            sets.setdefault(set_name, []).append(name)
    return sets


def _saved_versions(config: dict) -> set[str]:
    """The versions saved in full: ``<filepath>/<version>/<file name>`` exists (Kedro's layout)."""
    filepath = entry_filepath(config)
    if not config.get("versioned") or filepath is None:
        return set()
    folder = Path(filepath)
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if (p / folder.name).exists()}
