"""prediction: band gaps of user-supplied materials, a served model, and the Janus screen."""

from atomdl.pipelines.prediction.pipeline import create_pipeline

__all__ = ["create_pipeline"]
