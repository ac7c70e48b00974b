"""The representations pipeline."""

from atomdl.pipelines.representations.pipeline import create_pipeline

__all__ = ["create_pipeline"]
