"""Fine-tuning epochs with AdamW as PyTorch's default for-loop and as one fused kernel, on the
same rows, the same start and one torch thread (as model selection runs a fine-tuned unit).

Run:  python benchmarks/finetuning_speed.py [--rounds 3] [--epochs 3] [--rows 3683]
      (needs data/03_primary/expt_gap_compositions.parquet, from `kedro run --pipelines
      ingestion`)

The two variants are timed in alternating rounds (the order rotating), so that drift of a
shared machine moves both alike. Prints each variant's seconds per epoch (median over rounds),
the median of the per-round ratios, and the validation MAE after each epoch: the same steps
must give the same curve.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from atomdl.features import amounts_table as composition_features
from atomdl.features import encoder_elements
from atomdl.models import finetuned
from atomdl.models.finetuned import EncoderRegressor

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {"for-loop AdamW (before)": False, "fused AdamW (now)": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=3683, help="an outer training part's size")
    args = parser.parse_args()
    torch.set_num_threads(1)
    compositions = pd.read_parquet(ROOT / "data/03_primary/expt_gap_compositions.parquet")
    table = composition_features(compositions, encoder_elements())
    x, y = table.features[: args.rows], table.table["target"].to_numpy()[: args.rows]
    EncoderRegressor(epochs=1).fit(x[:200], y[:200])  # imports and first-call costs, untimed
    seconds: dict[str, list[float]] = {name: [] for name in VARIANTS}
    curves: dict[str, list[float]] = {}
    names = list(VARIANTS)
    for round_ in range(args.rounds):
        for name in names[round_ % 2 :] + names[: round_ % 2]:
            finetuned.FUSED_OPTIMIZER = VARIANTS[name]
            model = EncoderRegressor(start="paper", epochs=args.epochs, patience=args.epochs)
            started = time.perf_counter()
            model.fit(x, y)
            seconds[name].append((time.perf_counter() - started) / args.epochs)
            curves[name] = [round(h["validation_mae"], 5) for h in model.history_]
    finetuned.FUSED_OPTIMIZER = True
    before, now = (np.array(seconds[name]) for name in names)
    print(f"torch {torch.__version__}, 1 thread, {len(x)} rows, batch 64, {args.epochs} epochs "
          f"x {args.rounds} rounds")  # fmt: skip
    for name in names:
        print(f"{name}: {np.median(seconds[name]):.2f} s per epoch; validation MAE {curves[name]}")
    print(f"fused / for-loop speed-up: {np.median(before / now):.2f}x "
          f"(rounds {np.round(before / now, 2).tolist()})")  # fmt: skip


if __name__ == "__main__":
    main()
