"""Kedro datasets of this project (Kedro wiring; the domain library does not import this)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, AbstractVersionedDataset, DatasetError, Version

from atomdl.errors import AtomdlError
from atomdl.kedro_adapter import describe, save_path
from atomdl.tracking.mlflow_io import active_run_id, log_record, log_saved


class BadInputFileError(AtomdlError, DatasetError):
    """A raw file that cannot be used as a whole; the message names the file and the problem
    (Kedro's catalog puts the dataset name in front)."""


class RawTableDataset(AbstractDataset[None, pd.DataFrame]):
    """A raw CSV table, read as text and checked as a whole against its declared schema
    (``atomdl.materials.schemas.SCHEMAS[schema]``): an empty or unreadable file, a missing
    column or a header without rows stops the run at load, naming the file. Row checks (types,
    ranges, unique ids) happen in the node that reads it, which reports each bad row."""

    def __init__(
        self,
        filepath: str,
        schema: str,
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        from atomdl.materials.schemas import SCHEMAS

        if schema not in SCHEMAS:
            raise DatasetError(f"unknown table schema {schema!r}; known: {sorted(SCHEMAS)}")
        self._filepath = Path(filepath)
        self._schema = SCHEMAS[schema]
        self._schema_name = schema
        # text throughout: a formula such as NaN is a formula; the schema types the numbers
        self._load_args = {**(load_args or {}), "dtype": str, "keep_default_na": False}
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        from atomdl.materials.schemas import BadTableError

        if self._filepath.exists() and self._filepath.stat().st_size == 0:
            raise BadInputFileError(
                f"{self._filepath}: the file is empty; {self._schema.description} needs a header "
                f"with the columns {self._schema.required} and at least one row"
            )
        try:
            table = pd.read_csv(self._filepath, **self._load_args)
        except FileNotFoundError:
            raise
        except (ValueError, OSError, EOFError) as error:  # parser, encoding, compression
            raise BadInputFileError(
                f"{self._filepath}: not a readable CSV table ({type(error).__name__}: "
                f"{str(error).strip()})"
            ) from error
        try:
            self._schema.check_table(table)
        except BadTableError as error:
            raise BadInputFileError(f"{self._filepath}: {error}") from error
        return table

    def save(self, data: None) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only: {self._filepath}")

    def _exists(self) -> bool:
        return self._filepath.exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "schema": self._schema_name}


class C2dbStructuresDataset(AbstractDataset[None, pd.DataFrame]):
    """Atomic structures from C2DB's ASE database (``c2db.db``), read-only and optional.

    Loads a table ``uid, formula, symbols, positions, cell`` (Cartesian, angstrom) for the rows
    that have a ``uid`` key. When the file is absent, loads an empty table: the Janus table then
    falls back to estimated positions, which is what a user without the database gets.
    """

    COLUMNS = ["uid", "formula", "symbols", "positions", "cell"]
    optional = True  # absent is fine: no run is refused for it

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

    optional = True

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


class _VersionedFolderDataset(AbstractVersionedDataset[Any, Any]):
    """A versioned folder of files. A save goes to a hidden folder first and is renamed into
    place, so a failed save leaves no half-written version behind."""

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

    def load(self) -> Any:
        return self._read(Path(self._get_load_path()))

    def save(self, data: Any) -> None:
        import shutil

        folder = Path(self._get_save_path())
        staging = folder.parent / f".{folder.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        self._write(data, staging)
        staging.rename(folder)

    def _read(self, folder: Path) -> Any:
        raise NotImplementedError

    def _write(self, data: Any, staging: Path) -> None:
        """Write ``data`` into ``staging``, a folder that does not exist yet."""
        raise NotImplementedError

    def _exists(self) -> bool:
        try:
            return Path(self._get_load_path()).exists()
        except DatasetError:
            return False

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "version": self._version}


class VersionedTablesDataset(_VersionedFolderDataset):
    """A dict of named tables, one parquet file per name, in one versioned folder (Kedro's
    PartitionedDataset cannot be versioned; the feature tables, one per task x representation,
    must be)."""

    def _read(self, folder: Path) -> dict[str, pd.DataFrame]:
        return {path.stem: pd.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}

    def _write(self, data: dict[str, pd.DataFrame], staging: Path) -> None:
        staging.mkdir()
        for name, table in data.items():
            if not name or "/" in name or name.startswith("."):
                raise DatasetError(f"{self._filepath}: {name!r} cannot name a table file")
            table.to_parquet(staging / f"{name}.parquet", index=False)


class RepresentationsDataset(_VersionedFolderDataset):
    """Element representations stored whole (vectors, name, source, dimension), versioned:
    ``atomdl.representations.save_representations`` / ``load_representations`` in a folder.
    Loads as ``{name: Representation}`` in the saved order."""

    def _read(self, folder: Path) -> dict:
        from atomdl.representations import load_representations

        return load_representations(folder)

    def _write(self, data: dict, staging: Path) -> None:
        from atomdl.representations import save_representations

        save_representations(data.values(), staging)


class TrackedDataset(AbstractDataset[Any, Any]):
    """Any dataset (versioned or not) whose saved file, or folder of files, is also logged to
    the active MLflow run under ``artifact_path``.

    kedro-mlflow's ``MlflowArtifactDataset`` does this for unversioned files only: it takes no
    ``version`` and logs no folders, and this project's reports are versioned (figure sets are
    folders).
    """

    def __init__(
        self,
        dataset: dict[str, Any],
        artifact_path: str | None = None,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        config = {**dataset, "versioned": version is not None}
        load, save = (version.load, version.save) if version is not None else (None, None)
        self._dataset = AbstractDataset.from_config(dataset.get("type", "?"), config, load, save)
        self._artifact_path = artifact_path
        self.metadata = metadata

    def load(self) -> Any:
        return self._dataset.load()

    def save(self, data: Any) -> None:
        path = save_path(self._dataset)  # before the save, which makes it exist
        self._dataset.save(data)
        log_saved(path, self._artifact_path)

    def _exists(self) -> bool:
        return self._dataset.exists()

    def _describe(self) -> dict[str, Any]:
        return {"dataset": describe(self._dataset), "artifact_path": self._artifact_path}


class MlflowRecordDataset(AbstractDataset[dict, None]):
    """Params, tags and metrics of the active MLflow run, saved from a dict with those keys
    (kedro-mlflow has datasets for metrics, artifacts and models, none for params or tags)."""

    def __init__(self, metadata: dict[str, Any] | None = None):
        self.metadata = metadata

    def load(self) -> None:
        raise DatasetError(f"{type(self).__name__} only writes to the MLflow run")

    def save(self, data: dict) -> None:
        log_record(data)

    def _describe(self) -> dict[str, Any]:
        return {}


class BandGapModelDataset(AbstractDataset[Any, None]):
    """A fitted band-gap predictor (``atomdl.prediction``) logged to the active MLflow run as a
    pyfunc model named ``name``, the predictor as a compressed artifact; without a run, nothing
    is written (a notebook that saves through the catalog opens no run)."""

    def __init__(
        self,
        name: str,
        code_paths: list[str] | None = None,
        pip_requirements: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ):
        self._name = name
        self._code_paths = code_paths or []
        self._pip_requirements = pip_requirements or []
        self.metadata = metadata

    def load(self) -> None:
        raise DatasetError(
            f"{type(self).__name__} only writes to the MLflow run; load the model with "
            "mlflow.pyfunc.load_model"
        )

    def save(self, data: Any) -> None:
        from atomdl.prediction.served import log_band_gap_model

        if active_run_id() is None:
            return
        log_band_gap_model(data, self._name, self._code_paths, self._pip_requirements)

    def _describe(self) -> dict[str, Any]:
        return {"name": self._name}


class FittedModelsDataset(AbstractDataset[Any, Any]):
    """A folder of fitted models kept by key (``atomdl.prediction.kept.FittedModelStore``):
    loads as the store (nothing read until a key is asked for; an absent folder is an empty
    store), saves a ``KeptFit`` into it unless its key is already there. Versioned by key, not
    by run: one fit per key, whichever run made it."""

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None):
        self._path = Path(filepath)
        self.metadata = metadata

    def load(self) -> Any:
        from atomdl.prediction.kept import FittedModelStore

        return FittedModelStore(self._path)

    def save(self, data: Any) -> None:
        from atomdl.prediction.kept import FittedModelStore

        FittedModelStore(self._path).keep(data)

    def _exists(self) -> bool:
        return True  # an empty store is a store: the first run fits

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._path)}
