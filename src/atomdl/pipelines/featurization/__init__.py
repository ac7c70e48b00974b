"""The featurization pipeline."""

from atomdl.pipelines.featurization.pipeline import create_pipeline

__all__ = ["create_pipeline"]
