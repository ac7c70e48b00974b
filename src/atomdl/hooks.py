"""Project hooks: refuse, before any work starts, a run that needs a user-supplied file it lacks."""

from __future__ import annotations

from kedro.framework.hooks import hook_impl

#: Datasets that users supply themselves, and how to get them.
USER_SUPPLIED = {
    "raw_c2db_table_export": (
        "Export the C2DB table (https://c2db.fysik.dtu.dk, 'Download' the table as CSV, all "
        "columns) and save it at the path above; see docs/data.md. Without it, plain `kedro run` "
        "runs everything that does not need it (the nodes tagged 'janus' are left out)."
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
