"""Parse every formula of the embedded datasets with atomdl and with pymatgen; compare.

Run:  python benchmarks/parse_formulas.py   (needs the dev extra: pymatgen)

Prints, per dataset, the number of formulas, any disagreement between the two parsers (element
set or an amount differing by more than 1e-9), and the wall time (best of --repeat) of:
  * atomdl.parse_formulas, the column-at-a-time parser that ingestion uses (the target: >= 10x
    pymatgen over the OQMD corpus);
  * atomdl.parse_formula, one formula at a time, for reference;
  * pymatgen.core.Composition, one formula at a time (its only interface).
Exits non-zero when the parsers disagree. The one-off load of the periodic table (mendeleev) is
timed separately: it is paid once per process, not per formula.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import pandas as pd
from pymatgen.core import Composition

from atomdl.chemistry import element_symbols, parse_formula, parse_formulas

RAW = Path(__file__).resolve().parents[1] / "data" / "01_raw"
DATASETS = {
    "OQMD": RAW / "oqmd_formulas.csv.gz",
    "Matbench expt_gap": RAW / "matbench_expt_gap.csv",
}


def best_time(func, formulas, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func(formulas)
        times.append(time.perf_counter() - start)
    return result, min(times)


def same(ours: dict[str, float], theirs: dict[str, float]) -> bool:
    return ours.keys() == theirs.keys() and all(
        math.isclose(ours[s], theirs[s], rel_tol=0, abs_tol=1e-9) for s in ours
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timings are the best of this many")
    args = parser.parse_args()
    start = time.perf_counter()
    element_symbols()
    print(f"periodic table load (once per process): {time.perf_counter() - start:.2f} s")
    disagreements = 0
    for name, path in DATASETS.items():
        formulas = pd.read_csv(path)["formula"].tolist()
        n = len(formulas)
        batch, t_batch = best_time(parse_formulas, formulas, args.repeat)
        _, t_single = best_time(lambda fs: [parse_formula(f) for f in fs], formulas, args.repeat)
        compositions, t_pymatgen = best_time(
            lambda fs: [Composition(f) for f in fs], formulas, args.repeat
        )
        # Turning results into comparable dicts is not timed.
        theirs = [{str(e): a for e, a in c.items()} for c in compositions]
        bad = [
            (formulas[i], batch.composition(i), theirs[i])
            for i in range(n)
            if not same(batch.composition(i), theirs[i])
        ]
        disagreements += len(bad)
        print(f"\n{name}: {n:,} formulas (best of {args.repeat})")
        for label, seconds in [
            ("atomdl.parse_formulas (batch)", t_batch),
            ("atomdl.parse_formula (each)", t_single),
            ("pymatgen Composition (each)", t_pymatgen),
        ]:
            print(
                f"  {label:32s} {seconds:7.3f} s  {1e6 * seconds / n:6.2f} us/formula  "
                f"{t_pymatgen / seconds:5.1f}x pymatgen speed"
            )
        print(f"  disagreements with pymatgen      {len(bad):7d}")
        for formula, o, t in bad[:10]:
            print(f"    {formula}: atomdl {o} vs pymatgen {t}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
