"""Project hooks.

* Refuse, before any work starts, a run that needs a user-supplied file it lacks.
* Leave no MLflow run open after a Kedro run: kedro-mlflow 2.0.3 re-enters its run before every
  node, and with MLflow 3 each re-entry stacks the run once more, while the end of the pipeline
  closes it once. From the command line the process exit hides this; in a notebook, the next
  session would log into the stale run.
"""

from __future__ import annotations

from kedro.framework.hooks import hook_impl

#: Datasets that users supply themselves, and how to get them.
USER_SUPPLIED = {
    "raw_c2db_table_export": (
        "Export the C2DB materials table as CSV with all columns (browse it at "
        "https://c2db.fysik.dtu.dk; downloads and citations at "
        "https://cmr.fysik.dtu.dk/c2db/c2db.html) and save it at the path above; docs/data.md "
        "has the details. Without it, plain `kedro run` runs everything that does not need it "
        "(the nodes tagged 'janus' are left out)."
    ),
}


class MissingUserDataError(FileNotFoundError):
    """A pipeline needs a data file that users supply and that is not there."""


class RequireUserDataHooks:
    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        needed = pipeline.inputs() & USER_SUPPLIED.keys()
        for name in sorted(needed):
            if not catalog.exists(name):
                where = catalog.get(name)._describe().get("filepath", "?")
                raise MissingUserDataError(
                    f"This run needs '{name}', which is not at {where}. {USER_SUPPLIED[name]}"
                )


class CloseMlflowRunHooks:
    """Ends every stacked copy of the run that ``mlflow_hook`` started; runs after it."""

    def __init__(self, mlflow_hook):
        self._mlflow_hook = mlflow_hook

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._close("FINISHED")

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._close("FAILED")

    def _close(self, status: str) -> None:
        import mlflow

        started = getattr(self._mlflow_hook, "run_id", None)
        if started is None or getattr(self._mlflow_hook, "_already_active_mlflow", False):
            return  # a run opened by the caller before the session is the caller's to close
        while (active := mlflow.active_run()) is not None and active.info.run_id == started:
            mlflow.end_run(status)
