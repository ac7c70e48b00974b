"""Kedro datasets of this project (Kedro wiring; the domain library does not import this)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, AbstractVersionedDataset, DatasetError, Version


class C2dbStructuresDataset(AbstractDataset[None, pd.DataFrame]):
    """Atomic structures from C2DB's ASE database (``c2db.db``), read-only and optional.

    Loads a table ``uid, formula, symbols, positions, cell`` (Cartesian, angstrom) for the rows
    that have a ``uid`` key. When the file is absent, loads an empty table: the Janus table then
    falls back to estimated positions, which is what a user without the database gets.
    """

    COLUMNS = ["uid", "formula", "symbols", "positions", "cell"]

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        if not self._filepath.exists():
            return pd.DataFrame(columns=self.COLUMNS)
        from ase.db import connect

        records = []
        with connect(self._filepath) as database:
            for row in database.select():
                uid = row.get("uid")
                if uid is None:
                    continue
                records.append(
                    (uid, row.formula, list(row.symbols), row.positions.tolist(), row.cell.tolist())
                )
        return pd.DataFrame(records, columns=self.COLUMNS)

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only: {self._filepath}")

    def _exists(self) -> bool:
        return self._filepath.exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "optional": True}


class OriginalAtom2VecDataset(AbstractDataset[None, pd.DataFrame]):
    """The original Atom2Vec vectors (``atoms_vec.txt`` + ``atoms_index.txt``), read-only and
    optional: an absent folder loads as an empty table and the representation is left out."""

    def __init__(self, path: str, metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        if not self._path.exists():
            return pd.DataFrame()
        from atomdl.representations import original_atom2vec

        return original_atom2vec(self._path).vectors

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only: {self._path}")

    def _exists(self) -> bool:
        return self._path.exists()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "optional": True}


class VersionedTablesDataset(AbstractVersionedDataset[dict, dict]):
    """A dict of named tables, one parquet file per name, in one versioned folder.

    Kedro's PartitionedDataset cannot be versioned; the feature tables (one per task x
    representation) must be. A save goes to a hidden folder first and is renamed into place,
    so a failed save leaves no half-written version behind.
    """

    def __init__(
        self,
        filepath: str,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        import glob
        import os.path

        super().__init__(filepath=PurePosixPath(filepath), version=version,
                         exists_function=os.path.exists, glob_function=glob.glob)  # fmt: skip
        self.metadata = metadata

    def load(self) -> dict[str, pd.DataFrame]:
        folder = Path(self._get_load_path())
        return {path.stem: pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}

    def save(self, data: dict[str, pd.DataFrame]) -> None:
        import shutil

        folder = Path(self._get_save_path())
        staging = folder.parent / f".{folder.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name, table in data.items():
            if not name or "/" in name or name.startswith("."):
                raise DatasetError(f"{self._filepath}: {name!r} cannot name a table file")
            table.to_parquet(staging / f"{name}.parquet", index=False)
        staging.rename(folder)

    def _exists(self) -> bool:
        try:
            return Path(self._get_load_path()).exists()
        except DatasetError:
            return False

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "version": self._version}
