"""The featurization pipeline: registered now, filled by its own issue."""

from kedro.pipeline import Pipeline


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([])
