"""The pretraining pipeline."""

from atomdl.pipelines.pretraining.pipeline import create_pipeline

__all__ = ["create_pipeline"]
