"""Refuse, before any work starts, a run that could not save its outputs where the catalog puts
them (a folder without write permission, a file where a folder should be): found at the end,
the error would cost the whole run."""

from __future__ import annotations

import os
from pathlib import Path

from kedro.framework.hooks import hook_impl

from atomdl.errors import UnwritableOutputError
from atomdl.hooks.catalog_config import catalog_filepath

#: folders that nodes write to, named by a parameter of the block they take
FOLDER_PARAMETERS = (("pretraining", "checkpoint_dir"), ("model_selection", "unit_cache"))


class WritableOutputsHooks:
    """Every local file or folder the run saves to (its datasets' and the folders of
    ``FOLDER_PARAMETERS``) must be writable: the nearest folder that exists on its way must be
    a folder this process may write into, and a file already there must be writable. The first
    place that is not stops the run, naming it, the outputs that go there and what to do."""

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        root = Path(run_params.get("project_path") or Path.cwd())
        places = [(name, catalog_filepath(catalog, name), root)
                  for name in sorted(pipeline.all_outputs())]  # fmt: skip
        inputs = pipeline.inputs()
        for block, key in FOLDER_PARAMETERS:
            dataset = catalog.get(f"params:{block}") if f"params:{block}" in inputs else None
            if dataset is not None:
                value = (dataset.load() or {}).get(key)
                # the node opens it relative to the working directory
                places.append((f"{block}.{key}", value and str(value), Path.cwd()))
        blocked: dict[tuple[Path, str], list[str]] = {}
        for name, where, base in places:
            if where is None or not _local(where):
                continue
            target = Path(where.removeprefix("file://"))
            problem = unwritable(target if target.is_absolute() else base / target)
            if problem is not None:
                blocked.setdefault(problem, []).append(name)
        if blocked:
            (place, why), names = next(iter(blocked.items()))
            parameters = [f"{block}.{key}" for block, key in FOLDER_PARAMETERS]
            raise UnwritableOutputError(unwritable_message(place, why, names, parameters))


def _local(where: str) -> bool:
    return "://" not in where or where.startswith("file://")


def unwritable(target: Path) -> tuple[Path, str] | None:
    """Where and why ``target`` (a file or a versioned folder) cannot be written, or None."""
    if target.exists():
        if not os.access(target, os.W_OK):
            return target, "permission denied"
        if target.is_file():
            target = target.parent
        elif not os.access(target, os.X_OK):
            return target, "permission denied"
        else:
            return None
    place = target
    while not place.exists():
        if place.parent == place:
            return None
        place = place.parent
    if not place.is_dir():
        return place, "a file where a folder should be"
    if not os.access(place, os.W_OK | os.X_OK):
        return place, "permission denied"
    return None


def unwritable_message(place: Path, why: str, names: list[str], parameters=()) -> str:
    """One line: where, why, which outputs (datasets, or the ``parameters`` among ``names``),
    what to do."""
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    if why == "permission denied":
        fix = f"make it writable (`chmod u+w {place}`)"
    else:
        fix = "move that file away (the run makes the folders it needs)"
    parameters = [n for n in names if n in parameters]
    elsewhere = []
    if len(parameters) < len(names):
        elsewhere.append("give those datasets another filepath in conf/local/catalog.yml")
    if parameters:
        elsewhere.append(
            f"set {', '.join(parameters)} to another folder in conf/local/parameters.yml"
        )
    return f"This run cannot write to {place} ({why}), where it saves {shown}: {fix}, or " + (
        ", or ".join(elsewhere)
    )
