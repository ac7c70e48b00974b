"""The project's own MLflow store, checked and kept to itself before MLflow opens it (Kedro-free;
plain ``sqlite3``, no MLflow import).

* A ``mlflow.db`` that SQLite cannot read (overwritten, truncated, not a database) is refused in
  one line naming the file and what to do; MLflow would fail deep in kedro-mlflow's hook.
* A copied (or moved) project's store still names the original's ``mlruns/``: MLflow 3 stores
  every artifact location as an absolute path (``resolve_uri_if_local`` when it creates an
  experiment), so runs in the copy would write their artifacts into the original. The
  locations under the folder the store was created in are rebased onto the store's own folder.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import unquote, urlparse

from atomdl.errors import AtomdlError

__all__ = ["BadTrackingStoreError", "check_store", "rebase_copied_store", "sqlite_path"]

logger = logging.getLogger(__name__)

#: the folder MLflow puts artifacts in beside a local store (DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH)
ARTIFACTS = "mlruns"


class BadTrackingStoreError(AtomdlError, RuntimeError):
    """The MLflow store file cannot be read as an MLflow store."""


def sqlite_path(uri: str | None, cwd: Path | None = None) -> Path | None:
    """The file of an ``sqlite:///`` tracking URI (relative to ``cwd``, as SQLAlchemy reads it),
    or None for any other store (a server, a folder)."""
    if not uri or not uri.startswith("sqlite:"):
        return None
    path = unquote(urlparse(uri).path)  # sqlite:///a.db -> /a.db, sqlite:////abs/a.db -> //abs/a.db
    if not path or path in ("/", "/:memory:"):
        return None
    path = path[1:]
    return Path(path) if os.path.isabs(path) else (cwd or Path.cwd()) / path


def check_store(path: Path) -> None:
    """Raise :class:`BadTrackingStoreError` if ``path`` exists and is not a readable MLflow
    store. A store another process holds locked is left to MLflow (it waits and retries)."""
    if not path.is_file() or path.stat().st_size == 0:
        return  # MLflow makes a new store
    try:
        # opened read-write so that SQLite can roll back a hot journal a killed run left
        with closing(sqlite3.connect(path, timeout=30)) as db:
            tables = {name for (name,) in db.execute("select name from sqlite_master")}
            result = db.execute("pragma quick_check(1)").fetchone()[0]
    except sqlite3.OperationalError:
        return  # locked, or not readable: MLflow says so itself
    except sqlite3.DatabaseError as error:
        problem = f"SQLite cannot read it: {error}"
    else:
        if result != "ok":
            problem = f"SQLite finds it damaged: {result}"
        elif tables and not {"alembic_version", "experiments", "runs"} <= tables:
            problem = "it is an SQLite database, but not an MLflow store"
        else:
            return
    problem = " ".join(problem.split())  # quick_check reports on several lines
    shown = os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd().resolve()) else path
    raise BadTrackingStoreError(
        f"the MLflow store {path} is not usable ({problem}). Move it aside (`mv {shown} "
        f"{shown}.bad`) and run again to start a new store, or put back a backup of it; a new "
        f"store has none of the earlier runs' records (parameters, metrics, statuses), while "
        f"their files in {ARTIFACTS}/ and every output in data/ are kept"
    )


def _stored(location: str) -> str:
    """A stored artifact location as a local path (MLflow stores either form)."""
    return unquote(urlparse(location).path) if location.startswith("file:") else location


def rebase_copied_store(path: Path, project: Path | None = None) -> str | None:
    """Rebase the artifact locations of the store ``path`` that point under the ``mlruns/`` of
    the folder the store was created in (its default experiment's location tells it) onto the
    ``mlruns/`` beside ``path``, in one transaction, when that folder is outside ``project``
    (default: the store's folder): the store was copied or moved. Only for a store inside
    ``project`` (a store shared between projects keeps its locations). Returns the folder
    rebased from, or None."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    here = path.resolve().parent
    root = Path(project).resolve() if project is not None else here
    if not here.is_relative_to(root):
        return None
    with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as db:
        try:
            (birth,) = db.execute(
                "select artifact_location from experiments where experiment_id = 0"
            ).fetchone() or (None,)
        except sqlite3.OperationalError:
            return None  # no experiments table yet: MLflow makes it
        if birth is None:
            return None
        birth_folder = Path(_stored(birth))  # <folder>/mlruns/0
        if birth_folder.parent.name != ARTIFACTS:
            return None  # created with an artifact root of its own choosing
        origin = birth_folder.parent.parent
        if Path(os.path.realpath(origin)).is_relative_to(root):
            return None  # made from inside this project (a subfolder): its artifacts are there
        old, new = f"{origin}/{ARTIFACTS}/", f"{here}/{ARTIFACTS}/"
        changed = 0
        db.execute("begin immediate")
        try:
            for table, column in _text_columns(db):
                for prefix in ("", "file://"):  # MLflow stores either form
                    changed += db.execute(
                        f'update "{table}" set "{column}" = ? || substr("{column}", ?) '
                        f'where substr("{column}", 1, ?) = ?',
                        (prefix + new, len(prefix + old) + 1, len(prefix + old), prefix + old),
                    ).rowcount
        except BaseException:
            db.execute("rollback")
            raise
        db.execute("commit")
    logger.warning(
        "This project's %s was made in %s (a copy or a move of that project): its artifact "
        "locations (%d values) now point into %s, so this project's runs write their artifacts "
        "here, not into the original's",
        path.name,
        origin,
        changed,
        here / ARTIFACTS,
    )
    return str(origin)


def _text_columns(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every text column of the store's tables (MLflow's schema grows with its versions)."""
    tables = [
        name
        for (name,) in db.execute("select name from sqlite_master where type = 'table'")
        if name != "alembic_version" and not name.startswith("sqlite_")
    ]
    columns = []
    for table in tables:
        for _, column, kind, *_ in db.execute(f'pragma table_info("{table}")'):
            if not kind or any(word in kind.upper() for word in ("CHAR", "TEXT", "CLOB")):
                columns.append((table, column))
    return columns
