"""Project hooks.

* Refuse parameters the project cannot run with, before anything else (``atomdl.parameters``).
* Refuse, before any work starts, a run whose inputs do not exist: a file users supply (where to
  get it), or a dataset that another pipeline makes (which one, and the command that runs it).
* Keep a finished pretraining's checkpoint until the whole run has saved its outputs and its
  MLflow record: an interruption while saving then costs no retraining.
* Read only complete version sets: outputs saved together (encoder, vectors, history) are read
  at the newest version that all of them have, so an interrupted save is never mixed with an
  older run's files.
* Leave no MLflow run open after a Kedro run: kedro-mlflow 2.0.3 re-enters its run before every
  node, and with MLflow 3 each re-entry stacks the run once more, while the end of the pipeline
  closes it once. From the command line the process exit hides this; in a notebook, the next
  session would log into the stale run.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kedro.framework.hooks import hook_impl

from atomdl.errors import MissingInputError, MissingUserDataError

logger = logging.getLogger(__name__)

#: Datasets that users supply themselves, and how to get them.
USER_SUPPLIED = {
    "raw_c2db_table_export": (
        "Export the C2DB materials table as CSV with all columns (browse it at "
        "https://c2db.fysik.dtu.dk; downloads and citations at "
        "https://cmr.fysik.dtu.dk/c2db/c2db.html) and save it at the path above; docs/data.md "
        "has the details. Without it, plain `kedro run` runs everything that does not need it "
        "(the nodes tagged 'janus' are left out)."
    ),
}

#: Registered pipelines that can make a dataset, in the order a user runs them. `release` makes
#: what `pretraining` makes, from the committed release in seconds: it is the one suggested.
_MAKERS = (
    "ingestion", "release", "pretraining", "representations", "embedding_analysis",
    "featurization", "model_selection",
)  # fmt: skip


class ValidateParametersHooks:
    """Every parameter block checked against its typed model (``atomdl.parameters``) as soon as
    the context exists: before any data is loaded or any MLflow run is opened."""

    @hook_impl
    def after_context_created(self, context) -> None:
        from atomdl.parameters import validate_parameters

        validate_parameters(context.params)


class RequireInputsHooks:
    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        needed = sorted(
            name
            for name in pipeline.inputs()
            if not name.startswith("params:") and name != "parameters"
        )
        missing = [n for n in needed if not _optional(catalog, n) and not catalog.exists(n)]
        for name in missing:
            if name in USER_SUPPLIED:
                where = catalog.get(name)._describe().get("filepath", "?")
                raise MissingUserDataError(
                    f"This run needs '{name}', which is not at {where}. {USER_SUPPLIED[name]}"
                )
        if missing:
            requested = run_params.get("pipeline_names") or [run_params.get("pipeline_name")]
            raise MissingInputError(_missing_message(missing, catalog, [p for p in requested if p]))


def _optional(catalog, name: str) -> bool:
    """Datasets that load as empty when their file is absent (atomdl.datasets)."""
    return bool(getattr(catalog.get(name), "optional", False))


def _makers(name: str) -> list[str]:
    from kedro.framework.project import pipelines

    return [p for p in _MAKERS if p in pipelines and name in pipelines[p].all_outputs()]


def _missing_message(missing: list[str], catalog, requested: list[str]) -> str:
    """One line per missing dataset naming the pipeline that makes it, then one command that
    makes everything missing upstream as well (following each maker's own missing inputs)."""
    from kedro.framework.project import pipelines

    lines, chain, queue, seen = [], set(), list(missing), set()
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        makers = _makers(name)
        if not makers:
            where = catalog.get(name)._describe().get("filepath", "the path in its catalog entry")
            lines.append(f"{name} is not at {where}, and no pipeline makes it")
            continue
        others = f" (or {', '.join(f'`{m}`' for m in makers[1:])})" if len(makers) > 1 else ""
        if name in missing:
            lines.append(f"{name} is made by `{makers[0]}`{others}")
        chain.add(makers[0])
        upstream = pipelines[makers[0]].to_outputs(name)  # only the nodes that make it
        queue += [
            n for n in upstream.inputs()
            if not n.startswith("params:") and not _optional(catalog, n) and not catalog.exists(n)
        ]  # fmt: skip
    order = [p for p in _MAKERS if p in chain] + [p for p in requested if p not in chain]
    return (
        "This run needs datasets that do not exist yet:\n"
        + "\n".join(lines)
        + f"\nrun `kedro run --pipelines {','.join(order)}`"
    )


class CloseMlflowRunHooks:
    """Ends every stacked copy of the run that ``mlflow_hook`` started; runs after it."""

    def __init__(self, mlflow_hook):
        self._mlflow_hook = mlflow_hook

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._close("FINISHED")

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._close("FAILED")

    def _close(self, status: str) -> None:
        import mlflow

        started = getattr(self._mlflow_hook, "run_id", None)
        if started is None or getattr(self._mlflow_hook, "_already_active_mlflow", False):
            return  # a run opened by the caller before the session is the caller's to close
        while (active := mlflow.active_run()) is not None and active.info.run_id == started:
            mlflow.end_run(status)


class KeepCheckpointHooks:
    """Removes a finished training's checkpoint (the ``checkpoint`` tag of a node's run record)
    only when the whole Kedro run has succeeded, i.e. every output is saved and logged. Until
    then a rerun resumes from it: after the last epoch, it trains nothing."""

    def __init__(self):
        self._checkpoints: list[Path] = []

    @hook_impl
    def before_pipeline_run(self) -> None:
        self._checkpoints.clear()  # an interrupted earlier run in this process keeps its own

    @hook_impl
    def after_node_run(self, node, outputs) -> None:
        for value in outputs.values():
            if isinstance(value, dict) and isinstance(value.get("tags"), dict):
                if path := value["tags"].get("checkpoint"):
                    self._checkpoints.append(Path(path))

    @hook_impl
    def after_pipeline_run(self) -> None:
        for path in self._checkpoints:
            path.unlink(missing_ok=True)
            logger.info(
                "Removed the finished training's checkpoint %s: all outputs are saved", path
            )
        self._checkpoints.clear()

    @hook_impl
    def on_pipeline_error(self) -> None:
        for path in self._checkpoints:
            logger.warning(
                "Kept the finished training's checkpoint %s: run the same command again to save "
                "its outputs without training again",
                path,
            )
        self._checkpoints.clear()


class VersionSetHooks:
    """Datasets whose catalog metadata names the same ``atomdl: {version_set: <name>}`` are saved
    together by one run and share its version string. Where the newest versions differ (a run
    interrupted while saving them), those not written by the current run are read at the newest
    version that every member has, with a warning; ``--load-versions`` still wins."""

    def __init__(self):
        self._originals: dict[str, object] = {}

    @hook_impl
    def after_catalog_created(self, catalog, conf_catalog, save_version, load_versions) -> None:
        self._originals.clear()
        for set_name, members in _version_sets(conf_catalog).items():
            if any(name in (load_versions or {}) for name in members):
                continue
            datasets = {name: catalog.get(name) for name in members}
            versions = {name: _saved_versions(ds) for name, ds in datasets.items()}
            if not all(versions.values()):
                continue  # a member never saved: nothing to mix up (missing inputs are refused)
            newest = {name: max(found) for name, found in versions.items()}
            if len(set(newest.values())) == 1:
                continue
            complete = set.intersection(*versions.values())
            ahead = sorted(name for name in members if newest[name] != max(newest.values()))
            if not complete:
                logger.warning(
                    "Version set '%s': %s have no version in common (newest: %s); each is read at "
                    "its newest version. Pass --load-versions to choose.",
                    set_name, ", ".join(members), newest,
                )  # fmt: skip
                continue
            chosen = max(complete)
            logger.warning(
                "Version set '%s' is incomplete after %s (%s lack it: a run interrupted while "
                "saving?); reading the complete set %s. Rerun the pipeline that makes them to "
                "finish it.",
                set_name, max(newest.values()), ", ".join(ahead), chosen,
            )  # fmt: skip
            for name, dataset in datasets.items():
                self._originals[name] = dataset
                catalog[name] = _with_load_version(dataset, chosen, save_version)

    @hook_impl
    def before_pipeline_run(self, pipeline, catalog) -> None:
        written = pipeline.all_outputs()
        for name, original in self._originals.items():
            if name in written:  # read what this run writes, not the pinned version
                catalog[name] = original


def _version_sets(conf_catalog: dict) -> dict[str, list[str]]:
    sets: dict[str, list[str]] = {}
    for name, config in (conf_catalog or {}).items():
        metadata = config.get("metadata") if isinstance(config, dict) else None
        set_name = ((metadata or {}).get("atomdl") or {}).get("version_set")
        if set_name:
            sets.setdefault(set_name, []).append(name)
    return sets


def _versioned(dataset):
    from kedro.io import AbstractVersionedDataset

    from atomdl.datasets import TrackedDataset

    inner = dataset._dataset if isinstance(dataset, TrackedDataset) else dataset
    return inner if isinstance(inner, AbstractVersionedDataset) else None


def _saved_versions(dataset) -> set[str]:
    versioned = _versioned(dataset)
    if versioned is None:
        return set()
    folder = Path(str(versioned._filepath))
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if (p / folder.name).exists()}


def _with_load_version(dataset, version: str, save_version: str):
    from kedro.io import Version

    from atomdl.datasets import TrackedDataset

    pinned = Version(version, save_version)
    if isinstance(dataset, TrackedDataset):
        return dataset._copy(_dataset=dataset._dataset._copy(_version=pinned))
    return dataset._copy(_version=pinned)
