"""Choose the property-aware pretraining weights by OQMD validation losses only.

Every variant trains the paper's architecture (conf/base) on the same seeded subset of the
ingested OQMD corpus for the same few epochs, and is scored on the same validation formulas
(2% held out by the training loop). The downstream band-gap tasks are never looked at.

    python scripts/property_aware_variants.py            # after `kedro run --pipelines ingestion`

Criterion: the lowest unweighted validation sum, masked-atom loss + pair loss + the Huber loss of
each of the four standardised properties: every objective counts once, whatever weight it was
trained with. The paper's variant (no property heads) is trained too, as the reference for what
the heads cost the paper's two objectives; it cannot win (its heads are untrained).
Each variant is an MLflow run (experiment ``atomdl-property-aware-variants``, per-epoch curves);
the table goes to docs/figures/pretraining/property_aware_variants.csv.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import mlflow
import pandas as pd

from atomdl.pretraining import Corpus, EncoderConfig, TrainingConfig, train
from atomdl.pretraining.samples import subsample
from atomdl.tracking.pretraining import epoch_logger

ROOT = Path(__file__).resolve().parents[1]
PROPERTIES = [
    "formation_enthalpy_ev_per_atom",
    "band_gap_ev",
    "energy_per_atom_ev",
    "volume_per_atom_a3",
]
#: every variant tried: a name and the weight of each property (equal weights, one scale each)
VARIANTS = {
    "paper (no property heads)": {},
    **{f"all four x {w:g}": dict.fromkeys(PROPERTIES, w) for w in (0.1, 0.3, 1.0, 3.0)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formulas", type=int, default=80_000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument(
        "--output", type=Path, default=ROOT / "docs/figures/pretraining/property_aware_variants.csv"
    )
    args = parser.parse_args()
    compositions = pd.read_parquet(ROOT / "data/03_primary/oqmd_compositions.parquet")
    vocabulary = pd.read_csv(ROOT / "data/05_model_input/token_vocabulary.csv")
    base = {  # conf/base/parameters_pretraining.yml, shortened
        "epochs": args.epochs, "batch_size": 256, "learning_rate": 0.003, "weight_decay": 0.01,
        "warmup_fraction": 0.05, "max_grad_norm": 1.0, "validation_fraction": 0.02, "seed": 0,
    }  # fmt: skip
    subset = subsample(compositions, args.formulas, seed=0)
    mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", f"sqlite:///{ROOT}/mlflow.db"))
    mlflow.set_experiment("atomdl-property-aware-variants")
    rows = []
    for name, weights in VARIANTS.items():
        corpus = Corpus.from_compositions(subset, vocabulary, properties=list(weights))
        config = TrainingConfig(**base, property_weights=weights)
        started = time.perf_counter()
        with mlflow.start_run(run_name=name):
            mlflow.log_params({"formulas": len(corpus), "epochs": args.epochs,
                               **{f"weight.{k}": v for k, v in weights.items()}})  # fmt: skip
            result = train(corpus, EncoderConfig(len(vocabulary)), config,
                           on_epoch_end=epoch_logger(), progress=False)  # fmt: skip
        final = result.history.iloc[-1]
        row = {"variant": name, "seconds": round(time.perf_counter() - started, 1)}
        row.update({k: float(final[k]) for k in final.index if k.startswith("val_")})
        if weights:
            row["criterion"] = (
                final["val_loss_lm"]
                + final["val_loss_label"]
                + sum(final[f"val_loss_{p}"] for p in PROPERTIES)
            )
        rows.append(row)
        print(pd.Series(row).to_string(), flush=True)
    table = pd.DataFrame(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.output, index=False, float_format="%.5g")
    chosen = table.loc[table["criterion"].idxmin(), "variant"]
    print(table.to_string(index=False))
    print(f"chosen (lowest unweighted validation sum): {chosen}")


if __name__ == "__main__":
    main()
