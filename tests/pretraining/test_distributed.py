"""Data-parallel pretraining under torchrun, proven on CPU with the gloo backend (2 processes)."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import torch

from atomdl.pretraining import Corpus, EncoderConfig, TrainingConfig, train
from atomdl.pretraining.__main__ import OUTPUTS

# no dropout: two processes then take the very steps one process takes (to float tolerance)
ENCODER = {"n_layers": 2, "n_heads": 8, "feedforward_dim": 32, "dropout": 0.0}
TRAINING = {"epochs": 2, "batch_size": 64, "learning_rate": 1e-2, "warmup_fraction": 0.1}


@pytest.fixture(scope="module")
def inputs(oqmd_slice, vocabulary, tmp_path_factory):
    folder = tmp_path_factory.mktemp("distributed_inputs")
    small = oqmd_slice.head(800).reset_index(drop=True)
    small.to_parquet(folder / "compositions.parquet")
    vocabulary.to_csv(folder / "vocabulary.csv", index=False)
    return folder, small


def _parameters(folder, property_weights=None, **extra) -> str:
    """A conf folder (as ``kedro run`` reads one) holding these pretraining parameters."""
    conf = folder / "conf"
    (conf / "base").mkdir(parents=True, exist_ok=True)
    (conf / "local").mkdir(exist_ok=True)
    training = {**TRAINING, "property_weights": property_weights or {}}
    (conf / "base" / "parameters_pretraining.yml").write_text(
        json.dumps(
            {
                "pretraining": {
                    "encoder": ENCODER,
                    "training": training,
                    "max_formulas": None,
                    **extra,
                }
            }
        )  # fmt: skip
    )
    return str(conf)


def _torchrun(inputs_folder, output, parameters, processes=2):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_RUN")}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc_per_node={processes}", "-m", "atomdl.pretraining",
        "--compositions", str(inputs_folder / "compositions.parquet"),
        "--vocabulary", str(inputs_folder / "vocabulary.csv"),
        "--output", str(output), "--conf-source", parameters,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _single_process(small, vocabulary, property_weights=None, **kwargs):
    property_weights = property_weights or {}
    corpus = Corpus.from_compositions(small, vocabulary, properties=list(property_weights))
    config = TrainingConfig(**TRAINING, property_weights=property_weights)
    return train(corpus, EncoderConfig(len(vocabulary), **ENCODER), config, progress=False,
                 **kwargs)  # fmt: skip


def _assert_same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    """Equal weights and outputs, to float tolerance. The key part of each block's qkv bias is
    left out of the weights: it cannot change any output (softmax ignores a shift shared by all
    keys), so its gradient is zero up to rounding noise, which AdamW scales up to full steps."""
    d = a.config.embedding_dim
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        if name.endswith("qkv.bias"):
            x, y = torch.cat([x[:d], x[2 * d :]]), torch.cat([y[:d], y[2 * d :]])
        torch.testing.assert_close(x, y, rtol=1e-4, atol=1e-4, msg=name)
    tokens = torch.tensor([[2, 10, 11, 3, 12, 13, 3, 0], [2, 14, 3, 15, 15, 16, 3, 0]])
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1, 1, 0]])
    with torch.no_grad():
        for x, y in zip(a.eval()(tokens, segments), b.eval()(tokens, segments), strict=True):
            torch.testing.assert_close(x, y, rtol=1e-4, atol=1e-4)


def test_two_processes_take_the_steps_of_one_with_the_same_global_batch(
    inputs, vocabulary, tmp_path
):
    """With property heads, which add a third loss to the paper's two: the same steps."""
    property_weights = {"band_gap_ev": 1.0, "volume_per_atom_a3": 0.5}
    folder, small = inputs
    _torchrun(folder, tmp_path / "out", _parameters(tmp_path, property_weights))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(OUTPUTS)
    with open(tmp_path / "out" / "atom_encoder.pkl", "rb") as handle:
        distributed = pickle.load(handle)
    alone = _single_process(small, vocabulary, property_weights)
    _assert_same_weights(distributed, alone.model)
    history = pd.read_csv(tmp_path / "out" / "history.csv")
    assert history["epoch"].tolist() == [1, 2]  # the schedule of the global batch
    assert distributed.config.property_means == alone.model.config.property_means
    for column in ("loss_lm", "loss_label", "val_loss_lm", "val_pair_accuracy", "loss_property",
                   "mae_band_gap_ev", "val_mae_volume_per_atom_a3"):  # fmt: skip
        assert history[column].to_numpy() == pytest.approx(
            alone.history[column].to_numpy(), rel=1e-4
        ), column
    record = json.loads((tmp_path / "out" / "record.json").read_text())
    assert record["params"]["training_formulas"] == len(small)


def test_a_data_parallel_run_resumes_from_a_checkpoint(inputs, vocabulary, tmp_path):
    folder, small = inputs
    checkpoints = tmp_path / "checkpoints"

    class Interrupted(Exception):
        pass

    def stop_after_first_epoch(metrics):
        raise Interrupted  # after epoch 1's checkpoint is written

    with pytest.raises(Interrupted):
        _single_process(small, vocabulary, checkpoint_dir=checkpoints,
                        on_epoch_end=stop_after_first_epoch)  # fmt: skip
    (checkpoint,) = checkpoints.glob("*.pt")
    assert torch.load(checkpoint, weights_only=False)["epoch"] == 1
    shutil.copy(checkpoint, tmp_path / "epoch1.pt")

    done = _torchrun(
        folder, tmp_path / "out", _parameters(tmp_path, checkpoint_dir=str(checkpoints))
    )
    assert "Resuming from" in done.stderr and "after epoch 1" in done.stderr
    with open(tmp_path / "out" / "atom_encoder.pkl", "rb") as handle:
        resumed = pickle.load(handle)
    _assert_same_weights(resumed, _single_process(small, vocabulary).model)
    assert not list(checkpoints.glob("*.pt"))  # removed by rank 0 once the run completed
    history = pd.read_csv(tmp_path / "out" / "history.csv")
    assert history["epoch"].tolist() == [1, 2]  # the first epoch's row comes from the checkpoint
