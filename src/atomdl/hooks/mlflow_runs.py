"""Leave no MLflow run open: this process's when its Kedro run ends, and those of processes
that died without a word when the next one starts.

kedro-mlflow 2.0.3 re-enters its run before every node, and with MLflow 3 each re-entry stacks
the run once more, while the end of the pipeline closes it once. From the command line the
process exit hides this; in a notebook, the next session would log into the stale run. A
process killed outright (``kill -9``, the OOM killer, a lost node) ends nothing: its runs are
found and closed by the next run (``atomdl.tracking.dead_runs``).
"""

from __future__ import annotations

from kedro.framework.hooks import hook_impl

from atomdl.tracking.mlflow_io import active_run_id, end_runs


class CloseMlflowRunHooks:
    """Ends every stacked copy of the run that ``mlflow_hook`` started; runs after it. A run the
    caller opened before the session (kedro-mlflow logs into it) is the caller's to close.
    Tags the started run with its process, then closes the runs whose process has died."""

    def __init__(self, mlflow_hook):
        self._mlflow_hook = mlflow_hook
        self._callers_run: str | None = None

    @hook_impl
    def after_context_created(self) -> None:
        # what kedro-mlflow keeps as its private `_already_active_mlflow`, seen the same way
        self._callers_run = active_run_id()

    @hook_impl
    def before_pipeline_run(self) -> None:
        import mlflow

        from atomdl.runlock import held_run_locks
        from atomdl.tracking.dead_runs import close_dead_runs, process_tags

        client, locks, started = mlflow.MlflowClient(), held_run_locks(), self._started()
        tags = process_tags(locks)
        if started is not None:
            client.log_batch(started, tags=[mlflow.entities.RunTag(k, v) for k, v in tags.items()])
        by = f"process {tags['atomdl.pid']} on {tags['atomdl.host']}"
        close_dead_runs(client, locks, by=f"run {started}, {by}" if started else by)

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._close("FINISHED")

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._close("FAILED")

    def _started(self) -> str | None:
        """The run kedro-mlflow started for this Kedro run, if any and not the caller's."""
        started = self._mlflow_hook.run_id  # public; tests/test_kedro_adapter.py pins it
        if started is None or started == self._callers_run or started != active_run_id():
            return None
        return started

    def _close(self, status: str) -> None:
        started = self._mlflow_hook.run_id
        if started is None or started == self._callers_run:
            return
        end_runs(status, run_id=started)
