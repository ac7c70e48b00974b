"""Start data-parallel pretraining on this machine from Python: ``torchrun`` runs
``python -m atomdl.pretraining`` in N processes, and the results come back as objects.

The workers read the caller's parameters as every run reads them, through Kedro's config
loader: they are written as a one-file conf folder."""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

__all__ = ["train_distributed"]

logger = logging.getLogger(__name__)


def train_distributed(
    compositions: pd.DataFrame,
    vocabulary: pd.DataFrame,
    options: dict,
    nproc_per_node: int,
    environment: dict[str, str] | None = None,
    keep_checkpoint: bool = False,
):
    """Train with ``nproc_per_node`` processes; returns (encoder, history, record).

    ``options``: the ``pretraining`` parameters (``max_formulas`` is not applied again here);
    ``environment``: extra variables for the workers (e.g. the MLflow run to log epochs into).
    """
    with tempfile.TemporaryDirectory(prefix="atomdl-ddp-") as folder:
        folder = Path(folder)
        compositions.to_parquet(folder / "compositions.parquet")
        vocabulary.to_csv(folder / "vocabulary.csv", index=False)
        parameters = {**options, "max_formulas": None, "progress_bar": False}
        conf = folder / "conf"
        (conf / "base").mkdir(parents=True)
        (conf / "local").mkdir()
        (conf / "base" / "parameters_pretraining.yml").write_text(
            yaml.safe_dump({"pretraining": parameters}, sort_keys=False)
        )
        command = [
            sys.executable, "-m", "torch.distributed.run", "--standalone",
            f"--nproc_per_node={int(nproc_per_node)}", "-m", "atomdl.pretraining",
            "--compositions", str(folder / "compositions.parquet"),
            "--vocabulary", str(folder / "vocabulary.csv"),
            "--output", str(folder / "out"), "--conf-source", str(conf),
            *(["--keep-checkpoint"] if keep_checkpoint else []),
        ]  # fmt: skip
        logger.info("Starting %d training processes: %s", nproc_per_node, " ".join(command))
        env = {**os.environ, **(environment or {})}
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as workers:  # fmt: skip
            for line in workers.stdout:
                logger.info("%s", line.rstrip())
        if workers.returncode:
            raise RuntimeError(
                f"data-parallel pretraining failed (exit status {workers.returncode}); "
                "its log is above"
            )
        out = folder / "out"
        with open(out / "atom_encoder.pkl", "rb") as handle:
            encoder = pickle.load(handle)
        history = pd.read_csv(out / "history.csv")
        record = json.loads((out / "record.json").read_text())
    return encoder, history, record
