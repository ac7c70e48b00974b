"""What the property heads cost: pretraining epochs with and without them, side by side.

Run:  python benchmarks/property_heads_cost.py [--formulas N] [--rounds N]
(after `kedro run --pipelines ingestion`, which writes the parsed OQMD corpus with its targets)

The paper's configuration (conf/base) and the property-aware one (the property weights of
conf/property_aware: the four OQMD targets at 0.3 each) train one epoch each on the same
seeded sample of the corpus, in alternating rounds with the order rotating, so that a machine
that speeds up or slows down moves both alike. Everything ``train()`` does is in the time
(pairing, masking, validation). A warm-up round (round 0) is not counted. Prints each
configuration's median samples/s over the rounds, the median of the per-round ratios with
their spread, and what 80 epochs over the whole corpus would take at each median.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd
import torch

from atomdl.pretraining import Corpus, EncoderConfig, TrainingConfig, train
from atomdl.pretraining.samples import subsample

ROOT = Path(__file__).resolve().parents[1]
PAPER_EPOCHS = 80


def property_weights() -> dict[str, float]:
    """The weights `kedro run --env property_aware` trains with (conf/base merged with it)."""
    from kedro.config import OmegaConfigLoader

    from atomdl.settings import CONFIG_LOADER_ARGS

    loader = OmegaConfigLoader(str(ROOT / "conf"), env="property_aware", **CONFIG_LOADER_ARGS)
    return dict(loader["parameters"]["pretraining"]["training"]["property_weights"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formulas", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    compositions = pd.read_parquet(ROOT / "data/03_primary/oqmd_compositions.parquet")
    vocabulary = pd.read_csv(ROOT / "data/05_model_input/token_vocabulary.csv")
    subset = subsample(compositions, args.formulas, seed=0)
    configurations = {"paper": {}, "property-aware": property_weights()}
    corpora = {
        name: Corpus.from_compositions(subset, vocabulary, properties=list(weights))
        for name, weights in configurations.items()
    }
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{len(subset):,} formulas, {args.rounds} rounds of one epoch each")  # fmt: skip
    speeds: dict[str, list[float]] = {name: [] for name in configurations}
    for round_ in range(-1, args.rounds):  # round 0: warm-up (first-call costs), not counted
        order = list(configurations)[:: 1 if round_ % 2 == 0 else -1]
        for name in order:
            config = TrainingConfig(epochs=1, device="cpu", property_weights=configurations[name])
            started = time.perf_counter()
            result = train(corpora[name], EncoderConfig(len(vocabulary)), config, progress=False)
            wall = time.perf_counter() - started
            speed = float(result.history["samples_per_second"].iloc[-1])
            if round_ >= 0:
                speeds[name].append(speed)
            print(f"round {round_ + 1} {name:>15}: {speed:,.0f} samples/s ({wall:.1f} s)")
    ratios = [p / a for p, a in zip(speeds["paper"], speeds["property-aware"], strict=True)]
    full = len(compositions)
    print()
    for name, values in speeds.items():
        median = statistics.median(values)
        hours = PAPER_EPOCHS * full / median / 3600  # one sample per formula and epoch
        print(f"{name:>15}: median {median:,.0f} samples/s "
              f"(range {min(values):,.0f}-{max(values):,.0f}); "
              f"{PAPER_EPOCHS} epochs over {full:,} formulas: about {hours:.1f} h")  # fmt: skip
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    print(f"paper / property-aware speed, median of per-round ratios: "
          f"{statistics.median(ratios):.2f}x (spread {spread})")  # fmt: skip


if __name__ == "__main__":
    main()
