"""The embedding_analysis pipeline."""

from atomdl.pipelines.embedding_analysis.pipeline import create_pipeline

__all__ = ["create_pipeline"]
