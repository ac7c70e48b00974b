"""Package the latest pretraining run as one of the project's releases (src/atomdl/pretraining/).

Run after the release training run, from the project root:
    python scripts/package_release.py --command "kedro run --pipelines pretraining ..."
    python scripts/package_release.py --release property_aware \
        --command "kedro run --env property_aware --pipelines pretraining ..."

Copies the newest versioned encoder and vector table of that configuration (conf/base's files
for ``paper``, conf/property_aware's for ``property_aware``), and writes RELEASE.json with the
command, the MLflow run, its data hash, settings, final metrics and training time (for a run resumed
from a checkpoint: the resumed run's time plus the per-epoch times of the epochs before it).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from atomdl.pretraining import element_vectors, load_encoder
from atomdl.pretraining.release import RELEASES

ROOT = Path(__file__).resolve().parents[1]
#: release -> (encoder, vector table, history) as the configuration's catalog names them
OUTPUTS = {
    "paper": ("atom_encoder.pkl", "atom_dl_vectors.csv", "pretraining_history.csv"),
    "property_aware": (
        "atom_encoder_property_aware.pkl",
        "atom_dl_property_aware_vectors.csv",
        "pretraining_property_aware_history.csv",
    ),
}


def newest(path: Path) -> Path:
    return sorted(path.iterdir())[-1] / path.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--command", required=True, help="the command that trained the release")
    parser.add_argument("--note", default="", help="anything a user must know about this release")
    parser.add_argument("--release", choices=list(RELEASES), default="paper")
    args = parser.parse_args()
    release = ROOT / "src" / "atomdl" / "pretraining" / RELEASES[args.release]
    encoder_name, vectors_name, history_name = OUTPUTS[args.release]
    data = ROOT / "data"
    encoder_file = newest(data / "06_models" / encoder_name)
    vectors = pd.read_csv(newest(data / "07_model_output" / vectors_name), index_col="symbol")
    history = pd.read_csv(newest(data / "08_reporting" / history_name))
    from_weights = element_vectors(encoder_file)
    if not (
        from_weights.index.equals(vectors.index)
        and np.allclose(from_weights.to_numpy(), vectors.to_numpy(), atol=1e-6)
    ):
        raise SystemExit("the newest encoder and vector table are not from the same run")
    with sqlite3.connect(ROOT / "mlflow.db") as db:
        run_id, name, start, end = db.execute(
            "select r.run_uuid, r.name, r.start_time, r.end_time from runs r join params p on "
            "p.run_uuid = r.run_uuid and p.key = 'training_data_sha256' where r.status = "
            "'FINISHED' and (exists (select 1 from params w where w.run_uuid = r.run_uuid and "
            "w.key like 'pretraining.training.property_weights.%')) = ? "
            "order by r.start_time desc limit 1",
            (args.release == "property_aware",),
        ).fetchone()
        params = dict(db.execute("select key, value from params where run_uuid=?", (run_id,)))
        tags = dict(db.execute("select key, value from tags where run_uuid=?", (run_id,)))
        seconds = db.execute(
            "select value from metrics where run_uuid=? and key='training_seconds'", (run_id,)
        ).fetchone()[0]
    final = history.iloc[-1].to_dict()
    # a resumed run's own clock started at the resume: add the epochs trained before it
    resumed = int(tags.get("resumed_from_epoch") or 0)
    seconds += float(history["epoch_seconds"].iloc[:resumed].sum())
    info = {
        "command": args.command,
        "note": args.note,
        "mlflow_run_id": run_id,
        "started_utc": pd.Timestamp(start, unit="ms").isoformat(),
        "finished_utc": pd.Timestamp(end, unit="ms").isoformat(),
        "training_seconds": round(seconds, 1),
        "resumed_from_epoch": resumed,
        "device": tags.get("device"),
        "cpu_threads": tags.get("cpu_threads"),
        "torch": tags.get("torch"),
        "training_data_sha256": params["training_data_sha256"],
        "training_formulas": int(params["training_formulas"]),
        "settings": {k: v for k, v in params.items() if k.startswith("pretraining.")},
        "epochs": int(final["epoch"]),
        "final_metrics": {k: round(float(v), 4) for k, v in final.items() if k != "epoch"},
        "elements": len(vectors),
    }
    release.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(encoder_file, release / "atom_encoder.pkl")
    vectors.to_csv(release / "atom_dl_vectors.csv", float_format="%.6g")
    history.to_csv(release / "history.csv", index=False, float_format="%.6g")
    (release / "RELEASE.json").write_text(json.dumps(info, indent=2) + "\n")
    print(json.dumps(info, indent=2))
    load_encoder(release / "atom_encoder.pkl")  # the copy loads


if __name__ == "__main__":
    main()
