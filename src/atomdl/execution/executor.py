"""Where units of work run: local worker processes, or a Dask cluster.

A unit (``atomdl.protocol.plan.Unit``: ``unit.function(*unit.args)``) is a pure function of its
arguments, so where it runs does not change its result. The driver submits every unit of a
task at once, takes the results back in submission order, and alone writes MLflow.

* ``processes`` (default): ``n_jobs`` local processes (joblib/loky; 1 = in this process).
* ``dask``: a Dask cluster (``atomdl.execution.dask``): ``address`` of a running scheduler
  (``tcp://host:8786``: start ``dask scheduler`` on one machine and ``dask worker
  tcp://host:8786`` on each of the others, each with this package installed), or, without an
  address, a ``LocalCluster`` of ``n_jobs`` single-threaded worker processes on this machine,
  started and closed by the run.

With a ``cache`` folder every finished unit is kept on disk (``atomdl.execution.cache``); a run
interrupted (or repeated) takes the units it finds there and computes only the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from atomdl.execution.cache import UnitCache

__all__ = ["BACKENDS", "Execution", "Run", "executor"]

BACKENDS = ("processes", "dask")

#: ``run(units)``: the results of ``[unit.run() for unit in units]``, in order, as an iterator
#: (each result as soon as it and those before it are done).
Run = Callable[[Sequence], Iterator]


@dataclass(frozen=True)
class Execution:
    """Where a comparison's units run: ``backend`` with ``n_jobs`` workers (or the Dask
    scheduler at ``address``), keeping finished units in ``cache`` (a folder, a ``UnitCache``,
    or None)."""

    backend: str = "processes"
    n_jobs: int = 1
    address: str | None = None
    cache: object = None

    def executor(self):
        return executor(self.backend, self.n_jobs, self.address, self.cache)


@contextmanager
def executor(backend: str = "processes", n_jobs: int = 1, address: str | None = None, cache=None):
    """A context giving ``run(units)`` for the backend; see the module docstring. ``cache``:
    a folder (or a ``UnitCache``) that keeps finished units, or None."""
    if cache is None:
        kept = lambda run: run  # noqa: E731
    else:
        kept = (cache if isinstance(cache, UnitCache) else UnitCache(cache)).wrap
    if backend == "processes":
        yield kept(lambda units: _local(units, n_jobs))
    elif backend == "dask":
        from atomdl.execution.dask import dask_client, on_dask

        with dask_client(address, n_jobs) as client:
            yield kept(lambda units: on_dask(client, units))
    else:
        raise ValueError(f"unknown parallel backend {backend!r}; known: {list(BACKENDS)}")


def _local(units, n_jobs: int) -> Iterator:
    if n_jobs == 1 or len(units) < 2:
        yield from (unit.function(*unit.args) for unit in units)
        return
    from joblib import Parallel, delayed, parallel_config

    # Arrays are copied to the workers rather than memory-mapped: no shared-memory folders are
    # left behind for the resource tracker to complain about.
    with parallel_config(max_nbytes=None):
        yield from Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(unit.function)(*unit.args) for unit in units
        )
