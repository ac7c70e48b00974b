"""One outer fold of expt_gap, fine-tuned from each start given: a quick look at what
fine-tuning reaches and costs before the full protocol (docs/finetuning.md).

    python scripts/finetune_one_fold.py paper random     # after `kedro run --pipelines ingestion`

The fold is the first of ``MaterialKFold(5, 1, 0)`` (the protocol's repeat 0, fold 0); early
stopping sees only its training part. One torch thread, as a unit of the protocol runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from atomdl.features import amounts_table, encoder_elements
from atomdl.models.finetuned import EncoderRegressor
from atomdl.protocol.splits import MaterialKFold

ROOT = Path(__file__).resolve().parents[1]


def main(starts: list[str]) -> None:
    compositions = pd.read_parquet(ROOT / "data/03_primary/expt_gap_compositions.parquet")
    table = amounts_table(compositions, encoder_elements())
    ids = table.table["material_id"].to_numpy()
    x, y = table.features.to_numpy(float), table.table["target"].to_numpy(float)
    train, test = next(MaterialKFold(5, 1, 0).split(x, y, groups=ids))
    print(f"{len(train)} training rows, {len(test)} test rows; mean predictor MAE "
          f"{np.mean(np.abs(y[train].mean() - y[test])):.3f} eV", flush=True)  # fmt: skip
    for start in starts:
        started = time.perf_counter()
        model = EncoderRegressor(start=start).fit(x[train], y[train])
        mae = np.mean(np.abs(model.predict(x[test]) - y[test]))
        seconds = time.perf_counter() - started
        print(f"{start}: test MAE {mae:.3f} eV, best epoch {model.best_epoch_} of "
              f"{len(model.history_)}, {seconds:.0f} s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:] or ["paper"])
