"""The project's pretrained release: Atom_DL vectors and encoder weights shipped with atomdl.

Made by one full pretraining run (command, data hash, metrics and time in
``release/RELEASE.json`` and docs/pretraining.md), so that downstream work can use Atom_DL
without retraining.
"""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

__all__ = [
    "release_info",
    "released_encoder",
    "released_history",
    "released_vectors",
]

_FOLDER = "release"


def _file(name: str):
    path = resources.files("atomdl.pretraining").joinpath(_FOLDER, name)
    if not path.is_file():
        raise FileNotFoundError(f"the pretrained release lacks {name} (looked in {path})")
    return path


def release_info() -> dict:
    """How the release was made: command, settings, data hash, final metrics, time."""
    return json.loads(_file("RELEASE.json").read_text())


def released_vectors() -> pd.DataFrame:
    """The released Atom_DL table: one row per element, indexed by symbol, 16 columns."""
    return pd.read_csv(_file("atom_dl_vectors.csv"), index_col="symbol")


def released_encoder():
    """The released encoder (eval mode), which knows its tokens: ``.element_vectors()``."""
    from atomdl.pretraining.encoder import load_encoder

    with resources.as_file(_file("atom_encoder.pkl")) as path:
        return load_encoder(path)


def released_history() -> pd.DataFrame:
    """Per-epoch metrics of the release's training run."""
    return pd.read_csv(_file("history.csv"))
