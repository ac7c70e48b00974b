"""A Dask scheduler address that does not answer fails in seconds, in one line naming the
address and what to do (distributed alone waits 30 s, then a traceback)."""

import socket
import time

import pytest

from atomdl.cli import expected_error_message
from atomdl.errors import SchedulerUnreachableError
from atomdl.execution.executor import executor

pytest.importorskip("distributed", reason="the dask extra (pip install -e '.[dask]')")

WHAT_TO_DO = (
    "start `dask scheduler` there (and `dask worker {address}` on each machine), or set "
    "model_selection.parallel.address to null to run on a local cluster"
)


def _refused(address):
    started = time.monotonic()
    with pytest.raises(SchedulerUnreachableError) as caught, executor("dask", 1, address):
        pass
    return caught.value, time.monotonic() - started


def test_nothing_listening_at_the_address_fails_at_once():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    error, took = _refused(address)
    assert took < 15  # distributed's own wait was 30 s (a generous bound: a loaded machine)
    assert expected_error_message(error) == (
        f"The Dask scheduler at {address} does not answer (Connection refused): "
        + WHAT_TO_DO.format(address=address)
    )


def test_a_listener_that_never_answers_fails_after_the_connect_timeout(monkeypatch):
    import atomdl.execution.dask as dask_backend

    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as silent:  # accepts connections, never speaks Dask
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        error, took = _refused(address)
    assert took < 15  # distributed's own wait never ends here
    message = expected_error_message(error)
    assert message.startswith(f"The Dask scheduler at {address} does not answer (")
    assert message.endswith(WHAT_TO_DO.format(address=address)) and "\n" not in message
