"""One ``kedro run`` at a time per project (Kedro-free).

Runs of one project share ``mlflow.db`` (two runs started together on a fresh copy race to
create its tables) and the unversioned outputs (two writers of one parquet file can leave a
mix). The lock is an OS file lock (``filelock``): it is released when its process ends, however
it ends, so a killed run never leaves the project locked.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from atomdl.errors import AtomdlError

__all__ = ["LOCK_FILE", "ProjectBusyError", "held_run_locks", "project_run_lock"]

LOCK_FILE = ".atomdl-run.lock"
_HOLDER_FILE = ".atomdl-run.json"
#: the lock files this process holds (resolved paths): a run started under one of them whose
#: process no longer holds it has ended (``atomdl.tracking.dead_runs``)
_HELD: set[str] = set()


class ProjectBusyError(AtomdlError, RuntimeError):
    """Another run holds the project."""


@contextmanager
def project_run_lock(project: Path, command: str = "kedro run") -> Iterator[None]:
    """Hold the project's run lock for the duration, or raise :class:`ProjectBusyError` at once
    naming the run that holds it."""
    project = Path(project)
    holder = project / _HOLDER_FILE
    lock = FileLock(project / LOCK_FILE, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ProjectBusyError(
            f"another run is using this project ({_describe(holder)}). Runs of one project "
            "share mlflow.db and data/: wait for it to finish, or run from a copy of the project"
        ) from None
    held = str((project / LOCK_FILE).resolve())
    try:
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        holder.write_text(json.dumps({"pid": os.getpid(), "command": command, "since": started}))
        _HELD.add(held)
        yield
    finally:
        _HELD.discard(held)
        holder.unlink(missing_ok=True)
        lock.release()


def held_run_locks() -> frozenset[str]:
    """The lock files (resolved paths) of the projects this process holds now."""
    return frozenset(_HELD)


def _describe(holder: Path) -> str:
    try:
        info = json.loads(holder.read_text())
    except (OSError, ValueError):
        return "it is just starting"
    return f"process {info['pid']}, `{info['command']}`, since {info['since']}"
