"""Matbench expt_gap on Matbench v0.1's own five folds, for chosen representations, from the
newest expt_gap feature tables; prints the results table next to the leaderboard's figures.

Run:  python scripts/matbench_expt_gap.py --representations atom_dl magpie oliynyk \
          [--models mean rf krr svr two_stage] [--out results.csv]

The same protocol as ``kedro run --env matbench --pipelines model_selection --from-nodes
model_selection.select_expt_gap_models`` (conf/base grids, inner 5-fold search inside each
training part), without its MLflow runs and figures, and for a subset of representations.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kedro.io import Version
from omegaconf import OmegaConf

from atomdl.datasets import VersionedTablesDataset
from atomdl.execution.executor import Execution
from atomdl.protocol.compare import compare_representations
from atomdl.protocol.plan import Protocol
from atomdl.protocol.splits import MatbenchFolds

ROOT = Path(__file__).resolve().parents[1]
#: matbench.materialsproject.org, task matbench_expt_gap (MAE, eV, mean over the five folds)
LEADERBOARD = {"Darwin": 0.2865, "MODNet v0.1.12": 0.3327, "CrabNet": 0.3463,
               "RF-SCM/Magpie": 0.4461, "Dummy": 1.1435}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--representations", nargs="+", required=True)
    parser.add_argument("--models", nargs="+", default=["mean", "rf", "krr", "svr", "two_stage"])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    folder = ROOT / "data" / "04_feature" / "expt_gap_features"
    tables = VersionedTablesDataset(str(folder), Version(None, None)).load()
    chosen = {name: tables[f"expt_gap__{name}"] for name in args.representations}
    config = OmegaConf.to_container(
        OmegaConf.load(ROOT / "conf/base/parameters_model_selection.yml")
    )
    grids = config["model_selection"]["tasks"]["expt_gap"]["grids"]
    protocol = Protocol(reference="atom_dl" if "atom_dl" in chosen else None, inner_splits=5,
                        paper=False, splitter=MatbenchFolds())  # fmt: skip
    comparison = compare_representations(chosen, args.models, grids, protocol,
                                         Execution(n_jobs=args.n_jobs))  # fmt: skip
    results = comparison.results
    print(comparison.markdown())
    print("\nMatbench leaderboard:", ", ".join(f"{k} {v:.3f}" for k, v in LEADERBOARD.items()))
    if args.out:
        results.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
