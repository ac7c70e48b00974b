"""Outputs saved together (a version set): read at the newest version that all of them have;
a run that fails while saving one removes the members it saved, never leaving half a set."""

from __future__ import annotations

import logging
import shutil
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

    A run that fails before it has saved every member of a set that its pipeline writes
    removes the versions of that set it did save (its own version string, nothing older): the
    prediction sets (predictions, reject report, predictor, and the served model, an MLflow
    member saved last so that it is never logged for a set that failed) are written whole or
    not at all. Members may come from dataset factories
    (``"prediction_{task}"``): the set is read from each output's resolved entry.

    Only public Kedro API: versions are listed from the entries' folders, and a pinned member is
    built anew from its entry with that load version (``AbstractDataset.from_config``)."""

    def __init__(self):
        self._originals: dict[str, object] = {}
        self._save_version: str | None = None
        self._written: dict[str, dict[str, dict]] = {}  # set -> member -> resolved entry
        self._saved: set[str] = set()  # what this run has saved

    @hook_impl
    def after_catalog_created(self, catalog, conf_catalog, save_version, load_versions) -> None:
        self._originals.clear()
        self._save_version = save_version or catalog.to_config()[3]
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
        self._written, self._saved = {}, set()
        for name in sorted(written):
            config = catalog.config_resolver.resolve_pattern(name)
            set_name = _set_name(config)
            if set_name:
                self._written.setdefault(set_name, {})[name] = config

    @hook_impl
    def after_dataset_saved(self, dataset_name: str) -> None:
        self._saved.add(dataset_name)

    @hook_impl
    def on_pipeline_error(self, error, run_params, pipeline, catalog) -> None:
        for set_name, members in self._written.items():
            if set(members) <= self._saved:
                continue  # the set was saved whole before the failure
            removed = []
            for name, config in members.items():
                folder = _version_folder(config, self._save_version)
                if folder is not None and folder.exists():
                    shutil.rmtree(folder, ignore_errors=True)
                    if not any(folder.parent.iterdir()):  # its first version: as if never saved
                        folder.parent.rmdir()
                    removed.append(name)
            if removed:
                logger.warning(
                    "Version set '%s' was not saved whole (%s); removed what this run saved "
                    "of it: %s", set_name, type(error).__name__, ", ".join(removed),
                )  # fmt: skip


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


def _set_name(config) -> str | None:
    metadata = config.get("metadata") if isinstance(config, dict) else None
    return ((metadata or {}).get("atomdl") or {}).get("version_set")


def _version_sets(conf_catalog: dict) -> dict[str, list[str]]:
    """The sets of named entries (a factory's members are only known by the names a run uses)."""
    sets: dict[str, list[str]] = {}
    for name, config in (conf_catalog or {}).items():
        set_name = _set_name(config)
        if set_name and "{" not in name:
            sets.setdefault(set_name, []).append(name)
    return sets


def _version_folder(config: dict, version: str | None) -> Path | None:
    """``<filepath>/<version>``: where a versioned entry's save of ``version`` goes (None for
    an entry that is not a versioned file: an MLflow model, a record)."""
    filepath = entry_filepath(config)
    if version is None or filepath is None or not config.get("versioned"):
        return None
    return Path(filepath) / version


def _saved_versions(config: dict) -> set[str]:
    """The versions saved in full: ``<filepath>/<version>/<file name>`` exists (Kedro's layout)."""
    filepath = entry_filepath(config)
    if not config.get("versioned") or filepath is None:
        return set()
    folder = Path(filepath)
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if (p / folder.name).exists()}
