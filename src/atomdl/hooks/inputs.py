"""Refuse, before any work starts, a run whose inputs do not exist: a file users supply (saying
where to get it), or a dataset that another pipeline makes (which one, and the command)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from kedro.framework.hooks import hook_impl

from atomdl.errors import MissingInputError, MissingUserDataError
from atomdl.hooks.catalog_config import catalog_filepath

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


class RequireInputsHooks:
    """Every input of the run that is neither optional nor present stops the run at its start."""

    def __init__(self) -> None:
        self._conf_source: str | None = None  # --conf-source, when not the project's conf/

    @hook_impl
    def after_context_created(self, context) -> None:
        source = Path(str(context.config_loader.conf_source))
        own = Path(context.project_path) / "conf"
        self._conf_source = None if source.resolve() == own.resolve() else str(source)

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
                where = catalog_filepath(catalog, name) or "?"
                raise MissingUserDataError(
                    f"This run needs '{name}', which is not at {where}. {USER_SUPPLIED[name]}"
                )
        if missing:
            requested = run_params.get("pipeline_names") or [run_params.get("pipeline_name")]
            options = _run_options(run_params, self._conf_source)
            requested = [p for p in requested if p]
            raise MissingInputError(_missing_message(missing, catalog, requested, options))


def _optional(catalog, name: str) -> bool:
    """Datasets that load as empty when their file is absent (atomdl.datasets)."""
    return bool(getattr(catalog.get(name), "optional", False))


def _makers(name: str) -> list[str]:
    from kedro.framework.project import pipelines

    return [p for p in _MAKERS if p in pipelines and name in pipelines[p].all_outputs()]


def _run_options(run_params: dict, conf_source: str | None) -> list[str]:
    """This run's options that change what the suggested run makes: --env, --params and
    --conf-source, as the user gave them."""
    options = []
    if run_params.get("env"):
        options += ["--env", run_params["env"]]
    if run_params.get("runtime_params"):
        options += ["--params", ",".join(_dotted(run_params["runtime_params"]))]
    if conf_source:
        options += ["--conf-source", conf_source]
    return options


def _dotted(params: dict, prefix: str = "") -> list[str]:
    """``--params`` as the user typed them: ``key.sub=value`` pairs."""
    pairs = []
    for key, value in params.items():
        if isinstance(value, dict) and value:
            pairs += _dotted(value, f"{prefix}{key}.")
        else:
            shown = value if isinstance(value, str) else json.dumps(value)
            pairs.append(f"{prefix}{key}={shown}")
    return pairs


def _missing_message(
    missing: list[str], catalog, requested: list[str], options: list[str] = ()
) -> str:
    """One line per missing dataset naming the pipeline that makes it, then one command that
    makes everything missing upstream as well (following each maker's own missing inputs),
    with this run's ``options``."""
    from kedro.framework.project import pipelines

    lines, chain, queue, seen = [], set(), list(missing), set()
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        makers = _makers(name)
        if not makers:
            where = catalog_filepath(catalog, name) or "the path in its catalog entry"
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
    command = shlex.join(["kedro", "run", "--pipelines", ",".join(order), *options])
    return (
        "This run needs datasets that do not exist yet:\n" + "\n".join(lines) + f"\nrun `{command}`"
    )
