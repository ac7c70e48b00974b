"""Ingestion: OQMD corpus, Matbench expt_gap and (tagged ``janus``) the C2DB Janus table."""

from kedro.pipeline import Node, Pipeline

from atomdl.materials import clean_c2db_export
from atomdl.pipelines.ingestion import nodes

JANUS_TAG = "janus"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.parse_oqmd_compositions,
                inputs={"raw": "raw_oqmd_formulas", "options": "params:ingestion.oqmd"},
                outputs=["primary_oqmd_compositions", "reporting_oqmd_rejects"],
                name="parse_oqmd_compositions",
            ),
            Node(
                nodes.build_token_vocabulary,
                inputs="primary_oqmd_compositions",
                outputs="model_input_token_vocabulary",
                name="build_token_vocabulary",
            ),
            Node(
                nodes.parse_expt_gap_compositions,
                inputs={"raw": "raw_matbench_expt_gap", "options": "params:ingestion.expt_gap"},
                outputs=["primary_expt_gap_compositions", "reporting_expt_gap_rejects"],
                name="parse_expt_gap_compositions",
            ),
            Node(
                clean_c2db_export,
                inputs="raw_c2db_table_export",
                outputs="intermediate_c2db_materials",
                name="clean_c2db_export",
                tags=[JANUS_TAG],
            ),
            Node(
                nodes.build_janus_table,
                inputs=["intermediate_c2db_materials", "raw_c2db_structures"],
                outputs=["primary_janus_materials", "reporting_janus_rejects"],
                name="build_janus_table",
                tags=[JANUS_TAG],
            ),
        ],
        namespace="ingestion",
        prefix_datasets_with_namespace=False,  # catalog names stay as they are
    )
