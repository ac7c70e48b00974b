"""The project's pretrained releases: Atom_DL vectors and encoder weights shipped with atomdl.

Each is made by one full pretraining run (command, data hash, metrics and time in its
``RELEASE.json`` and docs/pretraining.md), so that downstream work can use Atom_DL without
retraining. ``paper``: the paper's configuration (folder ``release``), the faithful row;
``property_aware``: the same architecture also trained to predict OQMD's DFT properties
(``conf/property_aware``, folder ``release_property_aware``).
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

#: release name -> its folder inside the package
RELEASES = {"paper": "release", "property_aware": "release_property_aware"}


def _file(name: str, release: str = "paper"):
    if release not in RELEASES:
        raise ValueError(f"unknown release {release!r}; known: {list(RELEASES)}")
    path = resources.files("atomdl.pretraining").joinpath(RELEASES[release], name)
    if not path.is_file():
        raise FileNotFoundError(f"the {release} release lacks {name} (looked in {path})")
    return path


def release_info(release: str = "paper") -> dict:
    """How the release was made: command, settings, data hash, final metrics, time."""
    return json.loads(_file("RELEASE.json", release).read_text())


def released_vectors(release: str = "paper") -> pd.DataFrame:
    """The released Atom_DL table: one row per element, indexed by symbol, 16 columns."""
    return pd.read_csv(_file("atom_dl_vectors.csv", release), index_col="symbol")


def released_encoder(release: str = "paper"):
    """The released encoder (eval mode), which knows its tokens: ``.element_vectors()``."""
    from atomdl.pretraining.model import load_encoder

    with resources.as_file(_file("atom_encoder.pkl", release)) as path:
        return load_encoder(path)


def released_history(release: str = "paper") -> pd.DataFrame:
    """Per-epoch metrics of the release's training run."""
    return pd.read_csv(_file("history.csv", release))
