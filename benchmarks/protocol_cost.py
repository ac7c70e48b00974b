"""Where a full model-selection protocol spends its time: a sample of its units of work, timed
one by one, and the whole protocol's cost extrapolated from them, by model.

Run:  python benchmarks/protocol_cost.py [--task janus|expt_gap] [--env base] [--per-pair 2]
          [--models ...] [--representations ...] [--workers 2]
      (after featurization: it reads the newest ``data/04_feature/<task>_features`` version)

The protocol is the one ``kedro run --pipelines model_selection`` runs for the task under
``--env`` (conf/base, then that folder, then conf/local, as the project's config loader layers
them): the same tables, models, grids, outer folds and paper protocol, planned by
``atomdl.pipelines.model_selection.nodes.selection_inputs`` and ``atomdl.protocol.plan``. Of
every representation x model it runs ``--per-pair`` nested units, spread evenly over the outer
folds (an early-stopped fine-tune's cost depends on its fold), and the paper protocol's unit,
in this process with one thread, as a worker runs them. Per model it prints the units the
protocol has, the mean seconds per sampled unit, the extrapolated CPU seconds and their share,
then the total and the wall time it implies on ``--workers`` worker processes (CPU / workers;
the units are independent and the executor keeps every worker busy). The MLflow logging, the
tables and the figures are not units and are not counted (about 20 s for Janus).

Nothing is written: the unit cache is neither read nor filled.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _tables(task: str) -> dict[str, pd.DataFrame]:
    versions = sorted((ROOT / "data/04_feature" / f"{task}_features").glob("*/"))
    if not versions:
        sys.exit(f"no data/04_feature/{task}_features: run `kedro run --pipelines featurization`")
    folder = versions[-1] / f"{task}_features"
    return {path.stem: pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}


def _options(env: str | None) -> dict:
    from atomdl.config import LayeredConfigLoader
    from atomdl.settings import CONFIG_LOADER_ARGS

    loader = LayeredConfigLoader(str(ROOT / "conf"), env, **CONFIG_LOADER_ARGS)
    return loader["parameters"]["model_selection"]


def _sample(units, count: int) -> list:
    if count >= len(units):
        return list(units)
    return [units[int(i)] for i in np.linspace(0, len(units) - 1, count).round()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="janus", choices=["janus", "expt_gap"])
    parser.add_argument("--env", default=None, help="conf/<env> over conf/base (default: none)")
    parser.add_argument("--per-pair", type=int, default=2, help="nested units timed per pair")
    parser.add_argument("--models", nargs="*", help="only these of the protocol's models")
    parser.add_argument("--representations", nargs="*", help="only these tables")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from atomdl.pipelines.model_selection.nodes import selection_inputs
    from atomdl.protocol.plan import make_plan

    tables, models, grids, protocol, _ = selection_inputs(
        _tables(args.task), _options(args.env), args.task
    )
    models = [m for m in models if not args.models or m in args.models]
    if args.representations:
        tables = {k: v for k, v in tables.items() if k in args.representations}
    plan = make_plan(tables, models, grids, protocol)
    print(f"{args.task}: {plan.settings}; {len(plan.units)} units, {len(plan.pairs)} pairs")

    seconds, counts = defaultdict(list), defaultdict(int)
    with threadpool_limits(limits=1):
        for pair in plan.pairs:
            counts[pair.model, "nested"] += len(pair.nested)
            timed = [(unit, "nested") for unit in _sample(pair.nested, args.per_pair)]
            if pair.paper is not None:
                counts[pair.model, "paper"] += 1
                timed.append((pair.paper, "paper"))
            spent = defaultdict(list)
            for unit, kind in timed:
                started = time.perf_counter()
                unit.run()
                spent[kind].append(time.perf_counter() - started)
            for kind, values in spent.items():
                seconds[pair.model, kind].extend(values)
            print(f"  {pair.representation:24s} {pair.model:24s} "
                  + ", ".join(f"{kind} {np.mean(v):.2f} s" for kind, v in spent.items()),
                  flush=True)  # fmt: skip

    rows = []
    for (model, kind), values in seconds.items():
        rows.append({"model": model, "units": kind, "in protocol": counts[model, kind],
                     "sampled": len(values), "s per unit": np.mean(values),
                     "CPU s": np.mean(values) * counts[model, kind]})  # fmt: skip
    table = pd.DataFrame(rows)
    total = table["CPU s"].sum()
    table["share"] = (table["CPU s"] / total).map("{:.0%}".format)
    print(table.to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    wall = total / args.workers
    print(f"total: {total:,.0f} CPU s; on {args.workers} workers about {wall:,.0f} s "
          f"({wall / 3600:.2f} h) of units")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
