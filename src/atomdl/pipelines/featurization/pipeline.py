"""featurization: material features from every element representation (paper section 4)."""

from kedro.pipeline import Node, Pipeline

from atomdl.pipelines.featurization import nodes
from atomdl.pipelines.ingestion.pipeline import JANUS_TAG


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                nodes.featurize_janus,
                inputs=[
                    "primary_janus_materials",
                    "feature_element_representations",
                    "params:featurization",
                ],
                outputs=["feature_janus_tables", "reporting_janus_features_rejects"],
                name="featurize_janus",
                tags=[JANUS_TAG],
            ),
            Node(
                nodes.featurize_expt_gap,
                inputs=[
                    "primary_expt_gap_compositions",
                    "feature_element_representations",
                    "params:featurization",
                ],
                outputs=["feature_expt_gap_tables", "reporting_expt_gap_features_rejects"],
                name="featurize_expt_gap",
            ),
        ],
        namespace="featurization",
        prefix_datasets_with_namespace=False,  # catalog names stay as they are
    )
