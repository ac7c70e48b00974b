"""The model_selection pipeline."""

from atomdl.pipelines.model_selection.pipeline import create_pipeline

__all__ = ["create_pipeline"]
