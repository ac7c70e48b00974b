"""Project commands: Kedro's own ``kedro run``, with the project's expected errors
(``atomdl.errors.AtomdlError``) printed as one message instead of a traceback.

Set ``ATOMDL_TRACEBACK=1`` to see the traceback of such an error too.
"""

from __future__ import annotations

import os

import click
from kedro.framework.cli.project import run as _kedro_run

from atomdl.errors import AtomdlError


@click.group(name="atomdl")
def cli() -> None:
    """atomdl's project commands."""


def _run(**kwargs):
    try:
        return _kedro_run.callback(**kwargs)
    except AtomdlError as error:
        if os.environ.get("ATOMDL_TRACEBACK"):
            raise
        raise click.ClickException(str(error)) from None


run = click.Command(
    name="run",
    params=_kedro_run.params,
    callback=_run,
    help=f"{_kedro_run.help}\n\nExpected errors (missing or bad input) print one message; "
    "ATOMDL_TRACEBACK=1 adds the traceback.",
    short_help=_kedro_run.short_help,
)
cli.add_command(run)
