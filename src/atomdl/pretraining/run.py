"""The one way a pretraining run starts: from the ``pretraining`` parameters (a plain dict, as
the Kedro node, ``python -m atomdl.pretraining`` and each torchrun process get them) to the
trained encoder, its history and its run record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from atomdl.pretraining.config import EncoderConfig, TrainingConfig
from atomdl.pretraining.launch import train_distributed
from atomdl.pretraining.model import AtomEncoder
from atomdl.pretraining.samples import Corpus, subsample
from atomdl.pretraining.trainer import train
from atomdl.tracking.pretraining import epoch_logger, pretraining_record, worker_environment

__all__ = ["Pretrained", "pretrain", "pretrain_here"]


@dataclass(frozen=True)
class Pretrained:
    """A finished run: the encoder, its per-epoch history, and its record (params, tags,
    metrics for ``atomdl.tracking.log_record``)."""

    encoder: AtomEncoder
    history: pd.DataFrame
    record: dict

    @property
    def device(self) -> str:
        return self.record["tags"]["device"]

    @property
    def seconds(self) -> float:
        return self.record["metrics"]["training_seconds"]


def pretrain(
    compositions: pd.DataFrame,
    vocabulary: pd.DataFrame,
    options: dict,
    *,
    on_epoch_end: Callable[[dict], None] | None = None,
    progress: bool = True,
    keep_checkpoint: bool = False,
) -> Pretrained:
    """Train in this process (one rank of a data-parallel run under torchrun).

    ``options``: the ``pretraining`` parameters (``encoder``, ``training``, ``max_formulas``,
    ``checkpoint_dir``); the corpus is ``max_formulas`` of ``compositions`` (all when they are
    fewer, so a table already cut to size stays as it is).
    """
    config = TrainingConfig(**options.get("training", {}))
    compositions = subsample(compositions, options.get("max_formulas"), config.seed)
    corpus = Corpus.from_compositions(
        compositions, vocabulary, properties=list(config.property_weights)
    )
    result = train(
        corpus,
        EncoderConfig(vocabulary_size=len(vocabulary), **options.get("encoder", {})),
        config,
        checkpoint_dir=options.get("checkpoint_dir"),
        on_epoch_end=on_epoch_end,
        progress=progress,
        keep_checkpoint=keep_checkpoint,
    )
    record = pretraining_record(result, corpus.sha256(), len(corpus))
    return Pretrained(result.model, result.history, record)


def pretrain_here(
    compositions: pd.DataFrame,
    vocabulary: pd.DataFrame,
    options: dict,
    processes: int = 1,
    progress: bool = True,
    keep_checkpoint: bool = False,
) -> Pretrained:
    """Train on this machine, logging each epoch into the active MLflow run: in this process,
    or (``processes`` > 1) in that many torchrun processes, each of which calls
    :func:`pretrain` (``python -m atomdl.pretraining``)."""
    if processes > 1:
        encoder, history, record = train_distributed(
            compositions, vocabulary, options, processes, worker_environment(), keep_checkpoint
        )
        return Pretrained(encoder, history, record)
    return pretrain(
        compositions, vocabulary, options, on_epoch_end=epoch_logger(), progress=progress,
        keep_checkpoint=keep_checkpoint,
    )  # fmt: skip
