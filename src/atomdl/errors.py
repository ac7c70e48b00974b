"""Errors a user can fix. ``kedro run`` prints their message alone, without a traceback, and
exits with status 1 (``atomdl.cli``); ``--verbose`` or ``ATOMDL_TRACEBACK=1`` brings the
traceback back."""

from __future__ import annotations

__all__ = [
    "AtomdlError",
    "BadParametersError",
    "ChangedOutputError",
    "MissingInputError",
    "MissingUserDataError",
    "SchedulerUnreachableError",
    "UnwritableOutputError",
]

# Also expected, defined where they arise: ``atomdl.materials.schemas.BadTableError`` (a table
# unusable as a whole), ``atomdl.datasets.BadInputFileError`` (such a raw file, named),
# ``atomdl.runlock.ProjectBusyError`` (another run holds the project).


class AtomdlError(Exception):
    """An expected error: its message says what is wrong and what to do."""


class MissingInputError(AtomdlError, FileNotFoundError):
    """A run needs datasets that do not exist yet (another pipeline makes them)."""


class MissingUserDataError(MissingInputError):
    """A run needs a data file that users supply and that is not there."""


class BadParametersError(AtomdlError, ValueError):
    """Parameters that the project cannot run with (``atomdl.parameters``)."""


class ChangedOutputError(AtomdlError, ValueError):
    """A saved output no longer matches the fingerprint it was saved with (edited by hand, or
    damaged): the run that made it has to make it again."""


class SchedulerUnreachableError(AtomdlError, OSError):
    """The Dask scheduler the parameters name does not answer."""


class UnwritableOutputError(AtomdlError, OSError):
    """A run's output cannot be written where the catalog puts it (permissions, a file where a
    folder should be, a full or read-only disk)."""
