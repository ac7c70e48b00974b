"""Project commands: Kedro's own ``kedro run``, made safe and plain-spoken.

* **Expected errors** (``atomdl.errors.AtomdlError``: missing or bad input, bad parameters; also
  when Kedro's catalog wraps one while loading a dataset) print one message and exit 1, without
  a traceback. ``--verbose`` (``-v``) or ``ATOMDL_TRACEBACK=1`` brings the traceback back.
* **Interrupted runs** (Ctrl-C, or SIGTERM from a scheduler) end their MLflow run as ``KILLED``
  (MLflow's own exit handler would mark it ``FINISHED``) and exit 130; a failed run is ``FAILED``
  (``atomdl.hooks``).
* **One run at a time per project**: runs share ``mlflow.db`` and the unversioned outputs, so a
  second ``kedro run`` started while one is going refuses at once, saying which run holds the
  project (``atomdl.runlock``).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click
from kedro.framework.cli.project import run as _kedro_run

from atomdl.errors import AtomdlError
from atomdl.tracking.mlflow_io import end_runs


@click.group(name="atomdl")
def cli() -> None:
    """atomdl's project commands."""


def _run(verbose: bool = False, **kwargs):
    from atomdl.runlock import project_run_lock

    show_traceback = verbose or bool(os.environ.get("ATOMDL_TRACEBACK"))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with project_run_lock(_project_root(), " ".join(["kedro", *sys.argv[1:]])):
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


def _project_root() -> Path:
    from kedro.utils import find_kedro_project

    return find_kedro_project(Path.cwd()) or Path.cwd()


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def expected_error_message(error: BaseException) -> str | None:
    """The message to show for an expected error, or None for a bug (traceback shown).

    Kedro's catalog wraps a dataset's error as ``DatasetError("<dataset>: <message>")``: the
    wrapper's message is the one to show, as it names the dataset."""
    if isinstance(error, AtomdlError):
        return str(error)
    cause = error.__cause__
    while cause is not None:
        if isinstance(cause, AtomdlError):
            return str(error)
        cause = cause.__cause__
    return None


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
