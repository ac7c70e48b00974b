"""The pretraining pipeline, and the release pipeline that stands in for it."""

from atomdl.pipelines.pretraining.pipeline import create_pipeline, create_release_pipeline

__all__ = ["create_pipeline", "create_release_pipeline"]
