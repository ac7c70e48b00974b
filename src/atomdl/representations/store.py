"""A set of element representations on disk, stored whole: one CSV of vectors per
representation and a manifest with each one's name, source, dimension and fingerprint.

Analysis and featurization read the same folder through :func:`load_representations`, so they
see the same vectors under the same names and sources; the fingerprints catch a vector file
changed behind the manifest's back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from atomdl.errors import ChangedOutputError
from atomdl.representations.base import Representation

__all__ = ["MANIFEST", "load_representations", "save_representations"]

MANIFEST = "representations.json"
FORMAT = "atomdl-representations/1"


def save_representations(representations: Iterable[Representation], folder: str | Path) -> None:
    """Write ``representations`` (in their order) into ``folder``, which must not exist yet."""
    folder = Path(folder)
    representations = list(representations)
    names = [r.name for r in representations]
    if len(set(names)) != len(names):
        raise ValueError(f"representation names repeat: {names}")
    for name in names:
        if not name or "/" in name or name.startswith(".") or name == Path(MANIFEST).stem:
            raise ValueError(f"{name!r} cannot name a representation file")
    folder.mkdir(parents=True)
    entries = []
    for r in representations:
        r.vectors.to_csv(folder / f"{r.name}.csv")  # full precision: reads back exactly
        entries.append({"name": r.name, "source": r.source, "dim": r.dim,
                        "elements": len(r.elements), "sha256": r.sha256()})  # fmt: skip
    manifest = {"format": FORMAT, "representations": entries}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


#: what to do when a stored set no longer matches its manifest
REMAKE = "rerun `kedro run --pipelines representations` to make the set again"


def load_representations(folder: str | Path) -> dict[str, Representation]:
    """The representations of ``folder`` by name, in the order they were saved.

    A vector file that no longer matches its manifest entry (edited, cut short, removed) is
    refused (``ChangedOutputError``, naming the file and the command that remakes the set):
    vectors changed by hand would silently change every result computed from them."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{folder} holds no representation set (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ChangedOutputError(f"{path} could not be read ({error}): {REMAKE}") from error
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    loaded = {}
    for entry in manifest["representations"]:
        file = folder / f"{entry['name']}.csv"
        try:
            representation = _reloaded(folder, entry)
        except FileNotFoundError as error:
            raise ChangedOutputError(
                f"{file} is missing (its manifest lists it): {REMAKE}"
            ) from error
        except (OSError, ValueError) as error:  # cut short, columns edited
            raise ChangedOutputError(
                f"{file} could not be read as its manifest entry says ({error}): {REMAKE}"
            ) from error
        if representation.sha256() != entry["sha256"] or representation.dim != entry["dim"]:
            changed = "does not match its manifest entry (changed after it was saved?)"
            raise ChangedOutputError(f"{file} {changed}: {REMAKE}")
        loaded[representation.name] = representation
    return loaded


def _reloaded(folder: Path, entry: dict) -> Representation:
    vectors = pd.read_csv(folder / f"{entry['name']}.csv", index_col="symbol")
    return Representation(entry["name"], vectors, entry["source"])
