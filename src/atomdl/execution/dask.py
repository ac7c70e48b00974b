"""The Dask back end of ``atomdl.execution.executor``: a client of a running scheduler or of a
local cluster, and units submitted to it with their big arrays sent once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from atomdl.errors import SchedulerUnreachableError

__all__ = ["dask_client", "on_dask"]

logger = logging.getLogger(__name__)


@contextmanager
def _environment_restored():
    """A local cluster's nannies write OMP_NUM_THREADS=1 (and MKL's, OpenBLAS's, malloc's) into
    this process's environment before they spawn their workers (distributed's
    ``pre-spawn-environ``, which says so). Put back afterwards, or every process this one starts
    later (a `kedro run`, torchrun) would run its numerical code on one thread."""
    import os

    import dask

    names = set(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})
    before = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def dask_client(address: str | None, n_jobs: int):
    """A client of the scheduler at ``address``, or of a local cluster of ``n_jobs``
    single-threaded worker processes (all cores for -1), closed afterwards."""
    from distributed import Client, LocalCluster

    if address:
        logger.info("Model selection on the Dask cluster at %s", address)
        with _connected(address) as client:
            yield client
        return
    workers = max(int(n_jobs), 1) if n_jobs != -1 else None
    with _environment_restored(), LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:  # fmt: skip
        logger.info("Model selection on a local Dask cluster of %d workers",
                    len(client.scheduler_info()["workers"]))  # fmt: skip
        yield client


#: seconds to wait for a scheduler that accepts the connection (distributed waits 30 s)
CONNECT_TIMEOUT_S = 5
_WHAT_TO_DO = (
    "start `dask scheduler` there (and `dask worker {address}` on each machine), or set "
    "model_selection.parallel.address to null to run on a local cluster"
)


@contextmanager
def _connected(address: str):
    """A client of the scheduler at ``address``; one that does not answer fails in seconds
    (``SchedulerUnreachableError`` naming the address and what to do), not after
    distributed's 30 s of retries and a traceback."""
    _refused_at_once(address)
    with _client(address) as client:
        yield client


def _client(address: str):
    """``Client(address)``, bounded in time: distributed's own timeout does not cover a port
    that accepts the connection and never answers (it waits forever, measured with
    distributed 2026.8), so the client is made in a helper thread given twice the timeout."""
    import threading

    from distributed import Client

    made: dict = {}

    def connect():
        try:
            made["client"] = Client(address, timeout=CONNECT_TIMEOUT_S)
        except Exception as error:  # noqa: BLE001  (timed out, refused, not a scheduler)
            made["error"] = error

    thread = threading.Thread(target=connect, name="atomdl-dask-connect", daemon=True)
    thread.start()
    thread.join(2 * CONNECT_TIMEOUT_S)
    if "client" in made:
        return made["client"]
    why = made.get("error") or f"no answer within {2 * CONNECT_TIMEOUT_S} s"
    raise SchedulerUnreachableError(
        f"The Dask scheduler at {address} does not answer ({why}): "
        + _WHAT_TO_DO.format(address=address)
    ) from made.get("error")


def _refused_at_once(address: str) -> None:
    """Nothing listening on a tcp:// address's port is known at once; distributed would retry
    until its timeout."""
    import socket
    from urllib.parse import urlsplit

    if not address.startswith("tcp://"):
        return
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        return  # distributed says what is wrong with it
    if not host or not port:
        return
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as error:
        raise SchedulerUnreachableError(
            f"The Dask scheduler at {address} does not answer ({error.strerror or error}): "
            + _WHAT_TO_DO.format(address=address)
        ) from error


def on_dask(client, units) -> Iterator:
    """The units' results, in order, computed on the cluster."""
    shared: dict[int, object] = {}

    def scattered(value):
        # big arrays (feature matrices) go to the cluster once, not with every unit
        if getattr(value, "nbytes", 0) > 1_000_000:
            if id(value) not in shared:
                shared[id(value)] = client.scatter(value, broadcast=True)
            return shared[id(value)]
        return value

    futures = [
        client.submit(unit.function, *(scattered(a) for a in unit.args), pure=False)
        for unit in units
    ]
    return (future.result() for future in futures)
