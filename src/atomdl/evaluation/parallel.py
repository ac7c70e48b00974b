"""Where model-selection work runs: local worker processes, or a Dask cluster.

A unit of work is one outer fold of one (task, representation, model), or one paper-protocol
run: a pure function of its arguments, so where it runs does not change its result. The driver
(the Kedro node) submits every unit of a task at once, takes the results back in submission
order, and alone writes MLflow.

* ``processes`` (default): ``n_jobs`` local processes (joblib/loky; 1 = in this process).
* ``dask``: a Dask cluster: ``address`` of a running scheduler (``tcp://host:8786``: start
  ``dask scheduler`` on one machine and ``dask worker tcp://host:8786`` on each of the others,
  each with this package installed), or, without an address, a ``LocalCluster`` of ``n_jobs``
  single-threaded worker processes on this machine, started and closed by the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

__all__ = ["BACKENDS", "executor"]

logger = logging.getLogger(__name__)

BACKENDS = ("processes", "dask")

#: ``run(calls)``: the results of ``[function(*args) for function, args in calls]``, in order,
#: as an iterator (each result as soon as it and those before it are done).
Run = Callable[[Sequence[tuple[Callable, tuple]]], Iterator]


@contextmanager
def executor(backend: str = "processes", n_jobs: int = 1, address: str | None = None):
    """A context giving ``run(calls)`` for the backend; see the module docstring."""
    if backend == "processes":
        yield lambda calls: _local(calls, n_jobs)
    elif backend == "dask":
        with _dask_client(address, n_jobs) as client:
            yield lambda calls: _on_dask(client, calls)
    else:
        raise ValueError(f"unknown parallel backend {backend!r}; known: {list(BACKENDS)}")


def _local(calls, n_jobs: int) -> Iterator:
    if n_jobs == 1 or len(calls) < 2:
        yield from (function(*args) for function, args in calls)
        return
    from joblib import Parallel, delayed, parallel_config

    # Arrays are copied to the workers rather than memory-mapped: no shared-memory folders are
    # left behind for the resource tracker to complain about.
    with parallel_config(max_nbytes=None):
        yield from Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(function)(*args) for function, args in calls
        )


@contextmanager
def _dask_client(address: str | None, n_jobs: int):
    from distributed import Client, LocalCluster

    if address:
        logger.info("Model selection on the Dask cluster at %s", address)
        with Client(address) as client:
            yield client
        return
    workers = max(int(n_jobs), 1) if n_jobs != -1 else None
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        logger.info("Model selection on a local Dask cluster of %d workers",
                    len(client.scheduler_info()["workers"]))  # fmt: skip
        yield client


def _on_dask(client, calls) -> Iterator:
    shared: dict[int, object] = {}

    def scattered(value):
        # big arrays (feature matrices) go to the cluster once, not with every unit
        if getattr(value, "nbytes", 0) > 1_000_000:
            if id(value) not in shared:
                shared[id(value)] = client.scatter(value, broadcast=True)
            return shared[id(value)]
        return value

    futures = [
        client.submit(function, *(scattered(a) for a in args), pure=False)
        for function, args in calls
    ]
    return (future.result() for future in futures)
