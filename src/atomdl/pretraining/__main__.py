"""Pretrain the atom encoder from the command line, in one process or data-parallel.

    python -m atomdl.pretraining --compositions C --vocabulary V --output DIR [--params P ...]
    torchrun --nproc_per_node=2 -m atomdl.pretraining ...              # DDP on one machine
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d \\
        --rdzv-endpoint=HOST:29400 -m atomdl.pretraining ...           # on several machines

``C``: the parsed corpus (``data/03_primary/oqmd_compositions.parquet``, from the ingestion
pipeline); ``V``: its token vocabulary (``data/05_model_input/token_vocabulary.csv``). ``P``: the
project's parameter files, merged in order (``conf/base/parameters_pretraining.yml``, then e.g.
``conf/cpu/parameters_pretraining.yml``); ``--set pretraining.training.epochs=3`` overrides one
key. Under torchrun (WORLD_SIZE > 1) the processes join a process group (NCCL on GPUs, gloo on
CPU) and train one model together; ``pretraining.training.batch_size`` is the global batch.
Rank 0 alone writes the checkpoints and, into DIR, ``atom_encoder.pkl`` (the encoder's stored
form), ``atom_dl_vectors.csv``, ``history.csv`` and ``record.json``; with ``MLFLOW_RUN_ID`` set,
rank 0 also logs the per-epoch metrics into that MLflow run. The Kedro node does all this for
``kedro run --pipelines pretraining`` when ``pretraining.distributed.nproc_per_node`` > 1.
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


def read_parameters(files: list[str], overrides: list[str]) -> dict:
    """The ``pretraining`` block of the parameter files (later files override earlier keys)."""
    from omegaconf import OmegaConf

    merged = OmegaConf.merge(
        *(OmegaConf.load(f) for f in files), OmegaConf.from_dotlist(list(overrides))
    )
    parameters = OmegaConf.to_container(merged, resolve=True)
    if "pretraining" not in parameters:
        raise SystemExit(f"no 'pretraining' block in {files or 'the parameters given'}")
    return parameters["pretraining"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m atomdl.pretraining", description=__doc__)
    parser.add_argument("--compositions", required=True, type=Path)
    parser.add_argument("--vocabulary", required=True, type=Path)
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--params", nargs="*", default=[], help="parameter files, in order")
    parser.add_argument("--set", nargs="*", default=[], dest="overrides", help="key=value")
    parser.add_argument(
        "--keep-checkpoint",
        action="store_true",
        help="keep the finished run's checkpoint (the caller removes it once results are saved)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    options = read_parameters(args.params, args.overrides)

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
    import torch

    from atomdl.pretraining import Corpus, EncoderConfig, TrainingConfig, train
    from atomdl.pretraining.tracking import epoch_logger, pretraining_record
    from atomdl.pretraining.training import subsample

    rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else 0
    compositions = pd.read_parquet(args.compositions)
    vocabulary = pd.read_csv(args.vocabulary)
    config = TrainingConfig(**options.get("training", {}))
    compositions = subsample(compositions, options.get("max_formulas"), config.seed)
    corpus = Corpus.from_compositions(
        compositions, vocabulary, properties=list(config.property_weights)
    )
    run_id = os.environ.get("MLFLOW_RUN_ID")  # the Kedro run's, when the node launched us
    result = train(
        corpus,
        EncoderConfig(vocabulary_size=len(vocabulary), **options.get("encoder", {})),
        config,
        checkpoint_dir=options.get("checkpoint_dir"),
        on_epoch_end=epoch_logger(run_id) if rank == 0 else None,
        progress=bool(options.get("progress_bar", False)) and rank == 0,
        keep_checkpoint=args.keep_checkpoint,
    )
    if rank != 0:
        return
    args.output.mkdir(parents=True, exist_ok=True)
    with open(args.output / "atom_encoder.pkl", "wb") as handle:
        pickle.dump(result.model, handle)
    result.model.element_vectors().to_csv(args.output / "atom_dl_vectors.csv")
    result.history.to_csv(args.output / "history.csv", index=False)
    record = pretraining_record(result, corpus.sha256(), len(corpus))
    (args.output / "record.json").write_text(json.dumps(record, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
