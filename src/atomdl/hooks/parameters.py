"""Refuse parameters the project cannot run with, before any data is loaded."""

from __future__ import annotations

from kedro.framework.hooks import hook_impl


class ValidateParametersHooks:
    """Every parameter block checked against its typed model (``atomdl.parameters``) as soon as
    the context exists: before any data is loaded or any MLflow run is opened."""

    @hook_impl
    def after_context_created(self, context) -> None:
        from atomdl.parameters import validate_parameters

        validate_parameters(context.params)
