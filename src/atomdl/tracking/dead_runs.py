"""Close the MLflow runs whose process died without a word (``kill -9``, the OOM killer, a lost
node): nothing in that process could end them, so they would stay ``RUNNING`` forever.
Kedro-free.

Each run a Kedro run starts is tagged with its process (``process_tags``). At the start of the
next run, a ``RUNNING`` run is dead when

* it was started under the project's run lock (``atomdl.runlock``) and this process now holds
  that lock: the lock goes with its process, so that process has ended, wherever it ran; or
* its host is this one and its process is gone (or the pid now belongs to a later process, or
  the machine has booted since).

Its nested runs (model selection's, one per task x representation x model) are closed with it.
Runs without these tags (a notebook's own ``mlflow.start_run``) are left alone: nothing proves
them dead.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from pathlib import Path

__all__ = ["FOUND_DEAD", "close_dead_runs", "process_tags"]

logger = logging.getLogger(__name__)

HOST, PID, BOOT, PID_START, RUN_LOCK = (
    "atomdl.host", "atomdl.pid", "atomdl.boot_id", "atomdl.pid_start", "atomdl.run_lock",
)  # fmt: skip
#: the tag a closed dead run gets: when, by which process and run, and why it was found dead
FOUND_DEAD = "atomdl.found_dead"
STATUS = "KILLED"  # a Python error ends the run FAILED through the hooks: only a kill is silent
_PARENT = "mlflow.parentRunId"


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot, Linux), or ""."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the name before ")" may hold spaces


def process_tags(run_locks: frozenset[str] = frozenset()) -> dict[str, str]:
    """The tags that let a later run tell whether this process is still alive."""
    pid = os.getpid()
    tags = {
        HOST: socket.gethostname(),
        PID: str(pid),
        BOOT: _boot_id(),
        PID_START: _start_ticks(pid),
        RUN_LOCK: ",".join(sorted(run_locks)),
    }
    return {key: value for key, value in tags.items() if value}


def _why_dead(tags: dict[str, str], run_locks: frozenset[str]) -> str | None:
    """Why the process that started a run with ``tags`` has ended, or None if it may be alive."""
    if PID not in tags:
        return None
    pid, this_host = int(tags[PID]), tags.get(HOST) == socket.gethostname()
    if this_host and pid == os.getpid() and tags.get(BOOT, "") == _boot_id():
        if tags.get(PID_START, "") in ("", _start_ticks(pid)):
            return None  # this process's own
    locks = {lock for lock in tags.get(RUN_LOCK, "").split(",") if lock}
    if locks & run_locks:
        return "its process held this project's run lock, which this run holds now"
    if not this_host or os.name == "nt":  # os.kill(pid, 0) would end a Windows process
        return None
    if tags.get(BOOT) and tags[BOOT] != _boot_id():
        return f"{tags[HOST]} has booted since its process {pid} started it"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return f"its process {pid} on {tags[HOST]} is gone"
    except PermissionError:
        pass  # alive, another user's
    if tags.get(PID_START) and _start_ticks(pid) not in ("", tags[PID_START]):
        return f"its process {pid} on {tags[HOST]} is gone (the pid is a later process's now)"
    return None


def close_dead_runs(
    client, run_locks: frozenset[str] = frozenset(), by: str = ""
) -> dict[str, str]:
    """End every ``RUNNING`` run of the store of ``client`` (an ``mlflow.MlflowClient``) whose
    process has ended, its nested runs with it, as ``KILLED`` with the tag ``atomdl.found_dead``
    (``by``: the run that found it). ``run_locks``: the run locks this process holds. Returns
    the ended run ids, each with why it was found dead."""
    from mlflow.entities import ViewType

    experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
    if not experiments:
        return {}
    running = {
        run.info.run_id: run
        for run in client.search_runs(
            experiments, "attributes.status = 'RUNNING'", run_view_type=ViewType.ALL
        )
    }
    dead = {}
    for run_id, run in running.items():
        if (why := _why_dead(run.data.tags, run_locks)) is not None:
            dead[run_id] = why
    grown = True
    while grown:  # nested runs (and theirs) of a dead run
        grown = False
        for run_id, run in running.items():
            parent = run.data.tags.get(_PARENT)
            if run_id not in dead and parent in dead:
                dead[run_id] = f"its parent run {parent} was found dead"
                grown = True
    now = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    for run_id, why in dead.items():
        client.set_tag(run_id, FOUND_DEAD, f"{now}, by {by or 'a later run'}: {why}")
        client.set_terminated(run_id, STATUS, end_time=_last_sign_of_life(client, running[run_id]))
        logger.warning(
            "MLflow run %s (%s) was left RUNNING by a process that died without a word (%s): "
            "marked %s",
            run_id,
            running[run_id].info.run_name,
            why,
            STATUS,
        )
    return dead


def _last_sign_of_life(client, run) -> int:
    """When the run last logged a metric (ms), else when it started: its end, as near as the
    store knows it (not when it was found dead, hours later perhaps)."""
    last = run.info.start_time or 0
    for key in run.data.metrics:
        history = client.get_metric_history(run.info.run_id, key)
        last = max([last, *(metric.timestamp for metric in history)])
    return last
