"""Project pipelines: one per stage, each a modular pipeline namespaced by the stage's name, so
kedro viz collapses it. Node names carry the namespace (``model_selection.select_janus_models``);
datasets and parameters keep their catalog names."""

from __future__ import annotations

import logging
from pathlib import Path

from kedro.pipeline import Pipeline

from atomdl.pipelines import (
    embedding_analysis,
    featurization,
    ingestion,
    model_selection,
    prediction,
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
    prediction,
)

logger = logging.getLogger(__name__)


def register_pipelines() -> dict[str, Pipeline]:
    """The seven pipelines, ``janus`` (every node that needs the C2DB export), ``release`` (the
    committed pretrained release in place of a training run) and the default.

    Without the C2DB export, the default and the seven pipelines leave out the Janus nodes (so
    every command the project suggests runs on the embedded data alone), and ``janus`` keeps
    them: asking for it fails at the start, saying where to put the file.
    """
    pipelines = {
        module.__name__.rsplit(".", 1)[-1]: module.create_pipeline() for module in PIPELINES
    }
    everything = sum(pipelines.values(), Pipeline([]))
    janus = everything.only_nodes_with_tags(JANUS_TAG)
    if not C2DB_EXPORT.exists():
        logger.info(
            "No C2DB export at %s: the pipelines leave out the %d Janus nodes; `kedro run "
            "--pipelines janus` says where to get it (docs/data.md)",
            C2DB_EXPORT,
            len(janus.nodes),
        )
        pipelines = {name: p - p.only_nodes_with_tags(JANUS_TAG) for name, p in pipelines.items()}
        everything = everything - janus
    pipelines["__default__"] = everything
    # Not in the default: it writes the release where pretraining writes its outputs.
    pipelines["release"] = pretraining.create_release_pipeline()
    pipelines[JANUS_TAG] = janus
    return pipelines
