"""Pretrain the atom encoder from the command line, in one process or data-parallel.

    python -m atomdl.pretraining --compositions C --vocabulary V --output DIR \\
        [--conf-source conf] [--env ENV] [--params KEY=VALUE ...]
    torchrun --nproc_per_node=2 -m atomdl.pretraining ...              # DDP on one machine
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d \\
        --rdzv-endpoint=HOST:29400 -m atomdl.pretraining ...           # on several machines

``C``: the parsed corpus (``data/03_primary/oqmd_compositions.parquet``, from the ingestion
pipeline); ``V``: its token vocabulary (``data/05_model_input/token_vocabulary.csv``). The
parameters are the project's, read as ``kedro run --env ENV`` reads them
(``atomdl.config``: ``conf/base``, ``conf/ENV``, then ``conf/local``); ``--params
pretraining.training.epochs=3`` overrides one key. Under torchrun (WORLD_SIZE > 1) the processes
join a process group (NCCL on GPUs, gloo on CPU) and train one model together;
``pretraining.training.batch_size`` is the global batch. Rank 0 alone writes the checkpoints
and, into DIR, ``atom_encoder.pkl`` (the encoder's stored form), ``atom_dl_vectors.csv``,
``history.csv`` and ``record.json``; with ``MLFLOW_RUN_ID`` set, rank 0 also logs the per-epoch
metrics into that MLflow run. The Kedro node does all this for ``kedro run --pipelines
pretraining`` when ``pretraining.distributed.nproc_per_node`` > 1. Training itself is
:func:`atomdl.pretraining.run.pretrain`, which the node calls too.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
from pathlib import Path

#: The files rank 0 writes into the output folder.
OUTPUTS = ("atom_encoder.pkl", "atom_dl_vectors.csv", "history.csv", "record.json")


def read_parameters(conf_source: str | Path, env: str | None, overrides: list[str]) -> dict:
    """The ``pretraining`` parameters as the project's config loader reads them for ``env``, with
    ``KEY=VALUE`` overrides (dotted keys), validated as the pipeline validates them."""
    from omegaconf import OmegaConf

    from atomdl.config import LayeredConfigLoader
    from atomdl.parameters import validate_parameters
    from atomdl.settings import CONFIG_LOADER_ARGS

    runtime = OmegaConf.to_container(OmegaConf.from_dotlist(list(overrides)))
    loader = LayeredConfigLoader(
        conf_source=str(conf_source), env=env, runtime_params=runtime, **CONFIG_LOADER_ARGS
    )
    parameters = OmegaConf.to_container(OmegaConf.merge(loader["parameters"], runtime))
    if "pretraining" not in parameters:
        raise SystemExit(f"no 'pretraining' parameters in {conf_source} (env {env})")
    validate_parameters({"pretraining": parameters["pretraining"]})
    return parameters["pretraining"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m atomdl.pretraining", description=__doc__)
    parser.add_argument("--compositions", required=True, type=Path)
    parser.add_argument("--vocabulary", required=True, type=Path)
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--conf-source", default="conf", help="the project's conf folder")
    parser.add_argument("--env", default=None, help="configuration environment (kedro --env)")
    parser.add_argument("--params", nargs="*", default=[], dest="overrides", help="KEY=VALUE")
    parser.add_argument(
        "--keep-checkpoint",
        action="store_true",
        help="keep the finished run's checkpoint (the caller removes it once results are saved)",
    )
    args = parser.parse_args(argv)
    options = read_parameters(args.conf_source, args.env, args.overrides)
    # after Kedro's import has set up its own logging: this log goes to stderr, as it always did
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", force=True)

    import torch

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
    try:
        _pretrain(args, options)
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def _pretrain(args, options: dict) -> None:
    import pandas as pd

    from atomdl.parameters import Pretraining
    from atomdl.pretraining.devices import world
    from atomdl.pretraining.run import pretrain
    from atomdl.tracking.pretraining import epoch_logger

    settings = Pretraining.model_validate(options)
    rank = world()[1]
    run_id = os.environ.get("MLFLOW_RUN_ID")  # the Kedro run's, when the node launched us
    result = pretrain(
        pd.read_parquet(args.compositions),
        pd.read_csv(args.vocabulary),
        options,
        on_epoch_end=epoch_logger(run_id) if rank == 0 else None,
        progress=settings.progress_bar,  # every rank: the bar's sums are a collective
        keep_checkpoint=args.keep_checkpoint,
    )
    if rank != 0:
        return
    args.output.mkdir(parents=True, exist_ok=True)
    with open(args.output / "atom_encoder.pkl", "wb") as handle:
        pickle.dump(result.encoder, handle)
    result.encoder.element_vectors().to_csv(args.output / "atom_dl_vectors.csv")
    result.history.to_csv(args.output / "history.csv", index=False)
    text = json.dumps(result.record, indent=2, default=str) + "\n"
    (args.output / "record.json").write_text(text)


if __name__ == "__main__":
    main()
