"""Carry model selection's kept units from an older version of the selection code to today's.

A unit's key includes the source of the selection code (``UnitCache.SOURCES``), so that nothing
stale is reused; a change that does not alter what existing units compute (adding a model, as
commit 0dba496 did) would otherwise recompute every one of them (expt_gap's 25 folds: about
3.5 h of 2 cores). This script lists the units a selection run would run (the selection's
``Plan``, from today's feature tables and parameters, nothing run), recomputes a random sample
of those the older code kept, and only if every one is identical keeps the older results under
today's keys too (``UnitCache.carry``). Nothing runs through MLflow and nothing but the unit
folder is written. Units kept before the protocol moved to ``atomdl.protocol`` were computed by
other functions (another key) and cannot be carried: ``--from-commit`` must have those modules.

Run from the project root, after featurization and before the selection run it prepares:
    python scripts/carry_unit_cache.py --from-commit 20619d9 --task expt_gap
    python scripts/carry_unit_cache.py --from-commit 20619d9 --task expt_gap --env matbench
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import time
from pathlib import Path

from atomdl.execution.cache import UnitCache

ROOT = Path(__file__).resolve().parents[1]


def sources_at(commit: str) -> list[str]:
    """The selection code's modules as ``commit`` had them."""
    return [
        subprocess.run(
            ["git", "show", f"{commit}:src/{name.replace('.', '/')}.py"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
        for name in UnitCache.SOURCES
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-commit", required=True, help="the code that kept the units")
    parser.add_argument("--task", required=True, choices=["janus", "expt_gap"])
    parser.add_argument("--env", default=None, help="Kedro environment of the selection run")
    parser.add_argument("--check", type=int, default=4, help="units recomputed first")
    parser.add_argument("--dry-run", action="store_true", help="count only: carry nothing")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    os.chdir(ROOT)

    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from atomdl.pipelines.model_selection.nodes import selection_inputs
    from atomdl.protocol.plan import make_plan

    bootstrap_project(ROOT)
    with KedroSession.create(project_path=ROOT, env=args.env) as session:
        context = session.load_context()
        options = dict(context.params["model_selection"])
        tables = context.catalog.load(f"feature_{args.task}_tables")
    if not options.get("unit_cache"):
        raise SystemExit("model_selection.unit_cache is null: there are no kept units")
    from_version = UnitCache.code_version(sources_at(args.from_commit))
    if from_version == UnitCache.code_version():
        raise SystemExit(f"{args.from_commit} has today's selection code: nothing to carry")
    by_name, models, grids, protocol, execution = selection_inputs(tables, options, args.task)
    units = make_plan(by_name, models, grids, protocol).units  # listed, not run
    started = time.perf_counter()
    report = UnitCache(execution.cache).carry(units, from_version, args.check,
                                              dry_run=args.dry_run)  # fmt: skip
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps({"task": args.task, "env": args.env, **report}, indent=2))


if __name__ == "__main__":
    main()
