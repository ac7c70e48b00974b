"""Project pipelines."""

from __future__ import annotations

import logging
from pathlib import Path

from kedro.pipeline import Pipeline

from atomdl.pipelines import (
    embedding_analysis,
    featurization,
    ingestion,
    model_selection,
    pretraining,
    representations,
)
from atomdl.pipelines.ingestion.pipeline import JANUS_TAG

#: Where the catalog expects the user-supplied C2DB export (conf/base/catalog.yml).
C2DB_EXPORT = Path("data/01_raw/c2db_table_export.csv")
PIPELINES = (
    ingestion,
    pretraining,
    representations,
    embedding_analysis,
    featurization,
    model_selection,
)

logger = logging.getLogger(__name__)


def register_pipelines() -> dict[str, Pipeline]:
    """The six pipelines, ``janus`` (every node that needs the C2DB export), ``release`` (the
    committed pretrained release in place of a training run) and the default.

    The default runs everything when the C2DB export is present and everything else when it is
    not, so that the main job runs on the embedded data alone.
    """
    pipelines = {
        module.__name__.rsplit(".", 1)[-1]: module.create_pipeline() for module in PIPELINES
    }
    everything = sum(pipelines.values(), Pipeline([]))
    # Not in the default: it writes the release where pretraining writes its outputs.
    pipelines["release"] = pretraining.create_release_pipeline()
    janus = everything.only_nodes_with_tags(JANUS_TAG)
    pipelines[JANUS_TAG] = janus
    if C2DB_EXPORT.exists():
        pipelines["__default__"] = everything
    else:
        pipelines["__default__"] = everything - janus
        logger.info(
            "No C2DB export at %s: the default pipeline leaves out the %d Janus nodes "
            "(see docs/data.md)",
            C2DB_EXPORT,
            len(janus.nodes),
        )
    return pipelines
