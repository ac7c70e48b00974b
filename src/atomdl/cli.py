"""Project commands: Kedro's own ``kedro run``, made safe and plain-spoken.

* **Expected errors** (``atomdl.errors.AtomdlError``: missing or bad input, bad parameters; also
  when Kedro's catalog wraps one while loading a dataset) print one message and exit 1, without
  a traceback. ``--verbose`` (``-v``) or ``ATOMDL_TRACEBACK=1`` brings the traceback back.
* **Disk errors** (permission denied, a read-only or full disk, a file where a folder should be)
  while a dataset is saved or loaded print one line too, naming the dataset and the file; the
  ``outputs`` hook refuses most of them before any work (``atomdl.hooks.outputs``).
* **From anywhere inside the project**: a run started in a subdirectory (``notebooks/``) works
  at the project root, as the relative paths of the configuration mean (``mlflow.db``, the unit
  cache, the C2DB export), and says so; outside a project it refuses.
* **Interrupted runs** (Ctrl-C, or SIGTERM from a scheduler) end their MLflow run as ``KILLED``
  (MLflow's own exit handler would mark it ``FINISHED``) and exit 130; a failed run is ``FAILED``
  (``atomdl.hooks``).
* **One run at a time per project**: runs share ``mlflow.db`` and the unversioned outputs, so a
  second ``kedro run`` started while one is going refuses at once, saying which run holds the
  project (``atomdl.runlock``).
"""

from __future__ import annotations

import errno
import logging
import os
import re
import signal
import sys
from pathlib import Path

import click
from kedro.framework.cli.project import run as _kedro_run
from kedro.io import DatasetError

from atomdl.errors import AtomdlError
from atomdl.tracking.mlflow_io import end_runs

logger = logging.getLogger(__name__)


@click.group(name="atomdl")
def cli() -> None:
    """atomdl's project commands."""


def _run(verbose: bool = False, **kwargs):
    from atomdl.runlock import project_run_lock

    show_traceback = verbose or bool(os.environ.get("ATOMDL_TRACEBACK"))
    started_in, root = Path.cwd(), _project_root()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        _at_project_root(root, started_in)
        with project_run_lock(root, " ".join(["kedro", *sys.argv[1:]])):
            return _kedro_run.callback(**kwargs)
    except KeyboardInterrupt:
        ended = end_runs("KILLED")
        click.echo(
            "\nInterrupted"
            + (f": MLflow run {ended} marked KILLED" if ended else "")
            + ". Run the same command again to go on: finished pretraining epochs are kept in "
            "the checkpoint until every output is saved, finished model-selection units in "
            "model_selection.unit_cache.",
            err=True,
        )
        sys.exit(130)
    except Exception as error:
        message = expected_error_message(error)
        if message is None or show_traceback:
            raise
        raise click.ClickException(message) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.chdir(started_in)


def _project_root() -> Path:
    """The project ``kedro`` was started in (here or a folder above); outside any, a refusal
    (``python -m atomdl`` would otherwise run with no configuration)."""
    from kedro.utils import find_kedro_project

    root = find_kedro_project(Path.cwd())
    if root is None:
        raise click.ClickException(
            f"{Path.cwd()} is not inside a Kedro project (no pyproject.toml with a [tool.kedro] "
            "section here or in a folder above): run the command inside the project"
        )
    return Path(root)


def _at_project_root(root: Path, started_in: Path) -> None:
    """Run at the project root wherever inside the project ``kedro`` was started: the relative
    paths of the configuration (the MLflow store ``sqlite:///mlflow.db``, the unit cache, the
    C2DB export the pipelines look for) mean the root's files, not a second set in a
    subdirectory."""
    if root.resolve() == started_in.resolve():
        return
    logger.info("Running at the project root %s (started in %s)", root, started_in)
    os.chdir(root)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


#: OSError numbers a user fixes on the disk (permissions, space, a file in a folder's place)
_DISK_ERRNOS = {
    errno.EACCES: "give yourself access to it (and its folder): `chmod u+rw`, or ask its owner",
    errno.EPERM: "give yourself access to it (and its folder): `chmod u+rw`, or ask its owner",
    errno.EROFS: "the disk is read-only: give the dataset a filepath on a writable disk",
    errno.ENOSPC: "free space on that disk",
    errno.EDQUOT: "free space within your disk quota",
    errno.ENOTDIR: "a file stands where a folder of that path should be: move it away",
    errno.EISDIR: "a folder stands where the file should be: move it away",
}


def expected_error_message(error: BaseException) -> str | None:
    """The message to show for an expected error, or None for a bug (traceback shown).

    Kedro wraps a dataset's error twice: the dataset's ``"Failed while loading data from
    dataset <repr>.\n<message>"``, then the catalog's ``"<name>: ..."``. Where the cause is
    expected (an ``AtomdlError``, or an ``OSError`` about the disk such as a permission denied
    while saving), the message shown is ``"<name>: <the cause's message>"``: one line naming the
    dataset and the file."""
    if isinstance(error, AtomdlError):
        return str(error)
    chain = []
    cause = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__
    known = next((c for c in chain[1:] if isinstance(c, AtomdlError)), None)
    if known is not None:
        return _named(error, str(known)) if isinstance(error, DatasetError) else str(error)
    disk = next((c for c in chain if _disk_fix(c) is not None), None)
    if disk is None:
        return None
    saving = any(str(c).startswith("Failed while saving") for c in chain)
    loading = any(str(c).startswith("Failed while loading") for c in chain)
    verb = "cannot write" if saving else "cannot read" if loading else "cannot use"
    where = disk.filename or "a file"
    fix = _disk_fix(disk)
    if disk.errno in (errno.EACCES, errno.EPERM) and (saving or loading):
        fix = f"make it (or its folder) {'writable' if saving else 'readable'}"
    if saving or disk.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT):
        fix += ", or give the dataset another filepath in conf/local/catalog.yml"
    return _named(error, f"{verb} {where} ({disk.strerror}): {fix}")


def _disk_fix(error: BaseException) -> str | None:
    """What to do about an ``OSError`` that the disk causes, or None for any other error."""
    if not isinstance(error, OSError):
        return None
    if error.errno == errno.EEXIST and error.filename and os.path.isfile(error.filename):
        return _DISK_ERRNOS[errno.ENOTDIR]  # a folder to make, where a file is
    return _DISK_ERRNOS.get(error.errno)


def _named(error: BaseException, message: str) -> str:
    """``message`` behind the dataset name of Kedro's catalog wrapper (``"<name>: ..."``)."""
    found = re.match(r"(\S+): ", str(error)) if isinstance(error, DatasetError) else None
    if found is None or message.startswith(f"{found[1]}: "):
        return message
    return f"{found[1]}: {message}"


run = click.Command(
    name="run",
    params=[
        *_kedro_run.params,
        click.Option(
            ["--verbose", "-v"],
            is_flag=True,
            help="Show the traceback of expected errors too (as ATOMDL_TRACEBACK=1 does).",
        ),
    ],
    callback=_run,
    help=f"{_kedro_run.help}\n\nExpected errors (missing or bad input, bad parameters) print one "
    "message; --verbose or ATOMDL_TRACEBACK=1 adds the traceback. One run at a time per "
    "project; an interrupted run is marked KILLED in MLflow.",
    short_help=_kedro_run.short_help,
)
cli.add_command(run)
